// A real OpenID Connect provider (the certified `oidc-provider` package) for Trygg's single
// sign-on tests. Started and stopped by tests/accounts/oidc_provider.py on a loopback port.
//
//   node provider.js <config.json>
//
// The config names the issuer, the port, the clients and the users with their claims and the
// `amr`/`acr` the provider asserts when they sign in. Prints "ready" once it listens.
import fs from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const users = config.users;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  acrValues: config.acrValues || [],
  // acr and amr (the IdP's second factor, RFC 8176) go into every ID token, as the usual
  // municipal IdPs (Entra ID, AD FS, Keycloak) do: this package releases them per scope.
  claims: {
    sid: null,
    openid: ["sub", "acr", "amr", "auth_time"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "employee_id", "groups"],
  },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => false },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...user.claims }) };
  },
  // Consent is the municipality's business, not the test's: grant what the client asks.
  async loadExistingGrant(ctx) {
    const grant = new provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope || "openid");
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ["trygg-test-cookie-key"] },
});

function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(new URLSearchParams(data)));
  });
}

const page = (uid, message) => `<!doctype html><title>Test IdP</title>
<p class="message">${message}</p>
<form method="post" action="/interaction/${uid}/login">
<input name="login"><input name="password" type="password"><button>Sign in</button></form>`;

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      return res.end(page(details.uid, details.prompt.name));
    }
    const form = await readBody(req);
    const user = users[form.get("login")];
    if (!user || user.password !== form.get("password")) {
      res.statusCode = 403;
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      return res.end(page(details.uid, "wrong user name or password"));
    }
    const login = { accountId: form.get("login") };
    if (user.amr) login.amr = user.amr;
    if (user.acr) login.acr = user.acr;
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});

server.listen(config.port, "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
