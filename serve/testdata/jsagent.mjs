// Calls examples/hello through @dfinity/agent with its default checks
// (certificate verification, query signature verification) against a
// server whose root key it fetches. Usage: node jsagent.mjs URL CANISTER_ID
import { HttpAgent, Actor } from "@dfinity/agent";

const [url, canisterId] = process.argv.slice(2);
const idlFactory = ({ IDL }) =>
  IDL.Service({
    greet: IDL.Func([IDL.Text], [IDL.Text], ["query"]),
    inc: IDL.Func([], [IDL.Nat64], []),
  });
const agent = await HttpAgent.create({ host: url, shouldFetchRootKey: true });
const hello = Actor.createActor(idlFactory, { agent, canisterId });
const greeting = await hello.greet("js");
const n = await hello.inc();
console.log(JSON.stringify({ greeting, n: n.toString() }));
