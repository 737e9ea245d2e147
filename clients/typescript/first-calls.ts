// A small client a web or React Native team would write against our schema: types from
// openapi-typescript (typescript/generated/schema.d.ts, `make test` regenerates them) and
// openapi-fetch. `tsc -p clients` type-checks it; it is the README's client quick start.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type Schemas = components["schemas"];
export type ErrorCode = Schemas["ErrorCode"];
export type Lead = Schemas["LeadOutput"];

// The marketplace is set once per client, never per call.
export function leadMarketplaceClient(baseUrl: string, marketplace: string) {
  return createClient<paths>({ baseUrl, headers: { "X-Marketplace": marketplace } });
}

export async function signIn(baseUrl: string, marketplace: string, email: string, password: string) {
  const client = leadMarketplaceClient(baseUrl, marketplace);
  const { data, error } = await client.POST("/api/v1/auth/token/", { body: { email, password } });
  if (error) {
    const code: ErrorCode = error.error.code; // e.g. "invalid_credentials", "throttled"
    throw new Error(`login failed: ${code}`);
  }
  const access: string = data.access;
  client.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${access}`);
      return request;
    },
  });
  return client;
}

// A pro accepts its pending leads; a declined card or a late accept is a typed error.
export async function acceptPendingLeads(client: Awaited<ReturnType<typeof signIn>>): Promise<Lead[]> {
  const { data: inbox } = await client.GET("/api/v1/pro/leads/", { params: { query: { status: "pending" } } });
  const accepted: Lead[] = [];
  for (const lead of inbox?.results ?? []) {
    const fee: Schemas["Money"] = lead.fee; // {amount: minor units, currency}
    if (fee.amount > 5000) continue;
    const { data, error, response } = await client.POST("/api/v1/pro/leads/{id}/accept/", {
      params: { path: { id: lead.id }, header: { "Idempotency-Key": crypto.randomUUID() } },
      body: { message: "I can come tomorrow at 9.", price: 15000 },
    });
    if (error) {
      switch (error.error.code) {
        case "payment_declined":
          console.warn(`card declined (${error.error.decline_code ?? "unknown"})`);
          break;
        case "lead_expired":
        case "request_filled":
          break;
        default:
          console.warn(`accept failed with ${response.status}: ${error.error.message}`);
      }
      continue;
    }
    const contact: Schemas["LeadContact"] | null = data.contact; // revealed once paid
    if (contact !== null) console.log(`call ${contact.name} at ${contact.phone}`);
    accepted.push(data);
  }
  return accepted;
}

// A homeowner asks for quotes; answers are a string map keyed by the category's questions.
export async function askForQuotes(client: Awaited<ReturnType<typeof signIn>>) {
  const { data: categories } = await client.GET("/api/v1/categories/");
  const category = categories?.results[0];
  if (!category) return null;
  const answers: Record<string, string> = {};
  for (const question of category.questions) answers[question.key] = question.choices[0] ?? "yes";
  const { data } = await client.POST("/api/v1/quote-requests/", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: {
      category: category.slug,
      postal_code: "M5V 3L9",
      description: "Replace the kitchen faucet.",
      answers,
      contact: { name: "Olivia Owner", phone: "+1 416 555 0100" },
    },
  });
  const status: "open" | "closed" | "cancelled" | "no_pros_available" | undefined = data?.status;
  return status;
}

// The contract is exact: these must not type-check.
// @ts-expect-error - not an error code any operation answers
export const bogusCode: ErrorCode = "no_such_code";
// @ts-expect-error - lead kinds are an enum
export const bogusKind: Lead["kind"] = "sometimes";
