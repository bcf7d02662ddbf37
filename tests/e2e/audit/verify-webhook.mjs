// A shop's Node receiver: verifies one webhook with the Standard Webhooks library, as its
// README shows (new Webhook(secret).verify(body, headers)), and prints the payload it returns.
// Reads {"secret", "headers", "body"} as JSON on stdin; exits 1 when the signature is refused.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
try {
  const payload = new Webhook(secret).verify(body, headers);
  process.stdout.write(JSON.stringify(payload));
} catch (error) {
  process.stderr.write(String(error));
  process.exit(1);
}
