// Registers every built-in rule. Frontends list the registry; they never import a rule's folder.
import { registerRule } from '../engine/rule.js';
import { bpRule } from './bp/rule.js';
import { dfaRule } from './dfa/rule.js';
import { faRule } from './fa/rule.js';
import { signFaRule } from './sign-fa/rule.js';

registerRule(bpRule);
registerRule(faRule);
registerRule(dfaRule);
registerRule(signFaRule);

export { bpRule, faRule, dfaRule, signFaRule };
