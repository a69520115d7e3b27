// `maculaos config show|validate [FILE]|get KEY|set KEY VALUE`.
import { stringify } from "yaml";
import { UsageError, type Command } from "../command";
import { json } from "../format";

/** `maculaos config ...`: read, check and change the node's config. */
export const config: Command = {
  name: "config",
  usage: "maculaos config show | validate [FILE] | get KEY | set KEY VALUE   [--json]",
  summary: "Show, validate, read or change config.yaml (changes are validated first and written atomically)",
  async run({ api, args, json: asJson, out, readFile }) {
    const [sub, ...rest] = args;
    switch (sub) {
      case "show": {
        const c = await api.config.get.query();
        out(asJson ? json(c.config) : c.yaml.trimEnd());
        return 0;
      }
      case "validate": {
        if (rest.length > 1) throw new UsageError("config validate takes at most one FILE");
        const text = rest[0] ? await readFile(rest[0]) : (await api.config.get.query()).yaml;
        const result = await api.config.validate.query({ yaml: text });
        if (asJson) out(json(result));
        else if (result.ok) out(`${rest[0] ?? "config.yaml"}: valid`);
        else out(result.problems.map((p) => `${rest[0] ?? "config.yaml"}: ${p.path}: ${p.message}`).join("\n"));
        return result.ok ? 0 : 2;
      }
      case "get": {
        if (rest.length !== 1) throw new UsageError("config get takes one KEY, e.g. mesh.role");
        const { value } = await api.config.getKey.query({ key: rest[0]! });
        out(asJson ? json(value) : typeof value === "object" && value !== null ? stringify(value).trimEnd() : String(value));
        return 0;
      }
      case "set": {
        if (rest.length !== 2) throw new UsageError("config set takes KEY VALUE, e.g. config set mesh.role gateway");
        await api.config.set.mutate({ entries: [{ key: rest[0]!, raw: rest[1]! }] });
        out(asJson ? json({ ok: true }) : `${rest[0]} set`);
        return 0;
      }
      default:
        throw new UsageError(sub ? `unknown config subcommand ${sub}` : "config needs a subcommand");
    }
  },
};
