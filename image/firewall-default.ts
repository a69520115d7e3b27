// image/build's firewall step: the default config's ruleset. A node loads it at boot, before its network comes up,
// until the appliance has put the configured ruleset in force once (and saved it, which later boots load instead).
//   node --import tsx image/firewall-default.ts > FILE
import { defaultConfig } from "../system/config/schema";
import { firewallRules, renderRuleset } from "../system/firewall/rules";

process.stdout.write(renderRuleset(firewallRules(defaultConfig())));
