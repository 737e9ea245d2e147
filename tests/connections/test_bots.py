"""Which user agents are crawlers (not counted) and which are people (counted).

Both lists are the contract: a token added to ``connections/bots.py`` must keep every agent
in ``PEOPLE`` counted, and a token removed must keep every agent in ``CRAWLERS`` ignored.
"""

import pytest

from connections import bots
from connections.bots import is_bot

CRAWLERS = {
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Googlebot smartphone": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    ),
    "Googlebot-Image": "Googlebot-Image/1.0",
    "Storebot-Google": (
        "Mozilla/5.0 (X11; Linux x86_64; Storebot-Google/1.0) AppleWebKit/537.36 Chrome/79 Safari/537.36"
    ),
    "AdsBot-Google": "AdsBot-Google (+http://www.google.com/adsbot.html)",
    "Mediapartners-Google": "Mediapartners-Google",
    "Google-InspectionTool": (
        "Mozilla/5.0 (compatible; Google-InspectionTool/1.0;) AppleWebKit/537.36 Chrome/126 Safari/537.36"
    ),
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Slackbot-LinkExpanding": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slackbot": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "Twitterbot": "Twitterbot/1.0",
    "TelegramBot": "TelegramBot (like TwitterBot)",
    "Discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "facebookcatalog": "facebookcatalog/1.0",
    "Facebot": "Facebot",
    "meta-externalagent": "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "WhatsApp preview": "WhatsApp/2.23.20.0 A",
    "Pinterest crawler": "Pinterest/0.2 (+http://www.pinterest.com/bot.html)",
    "Pinterestbot": "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
    "redditbot": "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
    "Applebot": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"
    ),
    "DuckDuckBot": "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "YandexBot": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "YandexImages": "Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)",
    "Baiduspider": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Sogou spider": "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "PetalBot": "Mozilla/5.0 (compatible;PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "SeznamBot": "Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot/)",
    "Yahoo Slurp": "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "ia_archiver": "ia_archiver (+http://www.alexa.com/site/help/webmasters; crawler@alexa.com)",
    "AhrefsBot": "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "SemrushBot": "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "MJ12bot": "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "DotBot": "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Screaming Frog": "Screaming Frog SEO Spider/19.0",
    "GPTBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)",
    "ClaudeBot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"
    ),
    "CCBot": "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Bytespider": "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "(compatible; Bytespider; spider-feedback@bytedance.com)",
    "Amazonbot": "Mozilla/5.0 (compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)",
    "HeadlessChrome": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36"
    ),
    "Lighthouse": (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"
    ),
    "UptimeRobot": "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Pingdom": "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    "curl": "curl/8.5.0",
    "Wget": "Wget/1.21.4",
    "python-requests": "python-requests/2.31.0",
    "Python-urllib": "Python-urllib/3.11",
    "python-httpx": "python-httpx/0.27.0",
    "aiohttp": "Python/3.11 aiohttp/3.9.5",
    "Go-http-client": "Go-http-client/2.0",
    "Java": "Java/17.0.2",
    "Apache-HttpClient": "Apache-HttpClient/4.5.14 (Java/17.0.2)",
    "axios": "axios/1.6.8",
    "node-fetch": "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "PostmanRuntime": "PostmanRuntime/7.36.0",
    "Scrapy": "Scrapy/2.11.0 (+https://scrapy.org)",
    "empty": "",
    "blank": "   ",
}

PEOPLE = {
    "our Android app (OkHttp's default agent)": "okhttp/4.12.0",
    "our Android app, older OkHttp": "okhttp/3.14.9",
    "our Android app, named": "LeadMarket/3.4.1 (com.leadmarket.app; build:341; Android 14; Pixel 8) okhttp/4.12.0",
    "our iOS app (CFNetwork)": "LeadMarket/341 CFNetwork/1496.0.7 Darwin/23.5.0",
    "Android HttpURLConnection on a CUBOT phone": (
        "Dalvik/2.1.0 (Linux; U; Android 10; CUBOT X30 Build/QP1A.190711.020)"
    ),
    "Chrome on a CUBOT X30": (
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.6478.122 Mobile Safari/537.36"
    ),
    "Chrome on a CUBOT_NOTE_20": (
        "Mozilla/5.0 (Linux; Android 10; CUBOT_NOTE_20) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.6099.144 Mobile Safari/537.36"
    ),
    "WebView on a bare CUBOT": (
        "Mozilla/5.0 (Linux; Android 9; CUBOT) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
        "Chrome/119.0.6045.163 Mobile Safari/537.36"
    ),
    "Chrome on Android, reduced agent": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
    "Samsung Internet": (
        "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
    ),
    "Safari on iPhone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1"
    ),
    "Chrome on iPhone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/126.0.6478.153 Mobile/15E148 Safari/604.1"
    ),
    "Firefox on iPad": (
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "FxiOS/127.0 Mobile/15E148 Safari/605.1.15"
    ),
    "Chrome on Windows": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
    ),
    "Edge on Windows": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
    ),
    "Firefox on Linux": "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Safari on a Mac": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15"
    ),
    "Opera": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0"
    ),
    "Facebook's in-app browser": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.40.108;FBBV/602442413;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;"
        "FBSV/17.5;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/80]"
    ),
    "Instagram's in-app browser": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP2A.240605.024; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36 Instagram 334.0.0.42.95 Android"
    ),
    "Pinterest's in-app browser": (
        "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36 [Pinterest/Android]"
    ),
    "LinkedIn's in-app browser": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 [LinkedInApp]/9.29.9446"
    ),
    "Yandex's app": (
        "Mozilla/5.0 (Linux; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.153 "
        "YaApp_Android/24.51.1 YaSearchBrowser/24.51.1 BroPP/1.0 SA/3 Mobile Safari/537.36 YandexSearch/24.51.1"
    ),
    "Sogou's mobile browser": (
        "Mozilla/5.0 (Linux; Android 10; V2001A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.99 "
        "Mobile Safari/537.36 SogouMSE,SogouMobileBrowser/5.31.7"
    ),
}


@pytest.mark.parametrize("agent", list(CRAWLERS.values()), ids=list(CRAWLERS))
def test_crawlers_scripts_and_headless_browsers_are_bots(agent):
    assert is_bot(agent) is True


@pytest.mark.parametrize("agent", list(PEOPLE.values()), ids=list(PEOPLE))
def test_phones_browsers_in_app_browsers_and_our_own_app_are_people(agent):
    assert is_bot(agent) is False


def test_missing_agent_is_a_bot():
    assert is_bot(None) is True


def test_remembered_answers_are_the_searches_and_huge_agents_are_judged_without_being_kept():
    agents = [*CRAWLERS.values(), *PEOPLE.values()]
    first = [is_bot(agent) for agent in agents]
    assert [is_bot(agent) for agent in agents] == first  # the second time from the per-process cache
    assert first == [not agent.strip() or bots._BOT_RE.search(agent) is not None for agent in agents]

    kept = bots._matches_cached.cache_info().currsize
    huge_crawler = "Mozilla/5.0 (compatible; " + "x" * 600 + " Googlebot/2.1)"
    huge_person = PEOPLE[next(iter(PEOPLE))] + " " + "y" * 600
    assert (is_bot(huge_crawler), is_bot(huge_person)) == (True, False)
    assert bots._matches_cached.cache_info().currsize == kept  # not held: a flood of them costs no memory
