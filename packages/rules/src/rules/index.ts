// Registers every built-in rule. Frontends list the registry; they never import a rule's folder.
import { registerRule } from '../engine/rule.js';
import { bpRule } from './bp/rule.js';
import { dfaRule } from './dfa/rule.js';
import { faRule } from './fa/rule.js';
import { signFaRule } from './sign-fa/rule.js';
import { gaitPropRule, itpRule, tpRule } from './gait-prop/rule.js';
import { microcircuitLifRule } from './microcircuit/lif-rule.js';
import { microcircuitRule } from './microcircuit/rule.js';
import { astdpRule } from './astdp/rule.js';
import { guptaRule } from './gupta/rule.js';

registerRule(bpRule);
registerRule(faRule);
registerRule(dfaRule);
registerRule(signFaRule);
registerRule(gaitPropRule);
registerRule(tpRule);
registerRule(itpRule);
registerRule(microcircuitRule);
registerRule(microcircuitLifRule);
registerRule(astdpRule);
registerRule(guptaRule);

export { bpRule, faRule, dfaRule, signFaRule, microcircuitRule, microcircuitLifRule };
