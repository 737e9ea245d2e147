"""Known bots and crawlers, by user agent: a compact regex of the major crawler tokens.

No dependency: the maintained lists on PyPI carry hundreds of patterns; the tokens below
cover the crawlers that make up nearly all automated traffic (search engines, social
previews, SEO tools, monitoring, HTTP libraries and headless browsers). An empty agent is
treated as a bot — real browsers always send one.
"""

import re

_BOT_RE = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrape|archiver|fetcher|preview|"
    r"googlebot|bingbot|yandex|baiduspider|duckduckbot|applebot|petalbot|sogou|exabot|seznambot|"
    r"facebookexternalhit|facebot|meta-externalagent|twitterbot|linkedinbot|slackbot|discordbot|"
    r"telegrambot|whatsapp|pinterest|embedly|quora link preview|skypeuripreview|"
    r"ahrefs|semrush|mj12bot|dotbot|rogerbot|screaming frog|dataforseo|serpstat|"
    r"gptbot|chatgpt-user|oai-searchbot|claudebot|claude-web|anthropic-ai|ccbot|perplexitybot|bytespider|"
    r"amazonbot|google-extended|google-inspectiontool|adsbot-google|mediapartners-google|"
    r"headlesschrome|phantomjs|puppeteer|playwright|selenium|lighthouse|pingdom|uptimerobot|"
    r"statuscake|site24x7|newrelicpinger|datadog|"
    r"curl/|wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|java/|okhttp|"
    r"libwww-perl|apache-httpclient|node-fetch|axios/|postmanruntime|insomnia|scrapy",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    if not user_agent or not user_agent.strip():
        return True
    return _BOT_RE.search(user_agent) is not None
