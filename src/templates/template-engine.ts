import Handlebars from 'handlebars';
import { DomainError } from '../common/domain-error';
import { assertTemplateVariables, TemplateVariables, VARIABLE_NAME } from './template-variables';

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;

/** A template body checked and compiled once; renders with variables or says which are missing. */
export interface CompiledTemplate {
  /** Every variable the body mentions, in order of first appearance. */
  readonly variables: string[];
  render(variables: TemplateVariables): string;
}

export class InvalidTemplateError extends DomainError {
  constructor(reason: string) {
    super('invalid_template', `body is not a valid template: ${reason}`, 400);
  }
}

export class MissingTemplateVariableError extends DomainError {
  constructor(readonly missing: string[]) {
    const names = missing.map((name) => `"${name}"`).join(', ');
    const message = missing.length === 1 ? `template variable ${names} is missing` : `template variables ${names} are missing`;
    super('missing_template_variable', message, 400, { missing });
  }
}

// A private environment: helpers or partials registered elsewhere in the process never reach templates.
const handlebars = Handlebars.create();
const CONDITIONALS = new Set(['if', 'unless']);
// Names Handlebars would call as helpers instead of looking them up.
const HELPER_NAMES = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log', 'helperMissing', 'blockHelperMissing']);

export function compileTemplate(body: string): CompiledTemplate {
  const ast = parse(body);
  const variables = [...supportedVariables(ast, new Set())];
  const template = handlebars.compile<TemplateVariables>(body, { strict: true, noEscape: true, knownHelpersOnly: true });
  return {
    variables,
    render(values) {
      assertTemplateVariables(values);
      const missing = missingVariables(ast, values, new Set());
      if (missing.size > 0) throw new MissingTemplateVariableError([...missing]);
      return template(values);
    },
  };
}

/** Handlebars' own message, on one line: "Parse error on line 1 near "{{name": Expecting 'ID', …". */
function parse(body: string): Program {
  try {
    return handlebars.parse(body);
  } catch (error) {
    const lines = (error as Error).message.split('\n');
    const reason = lines.length >= 4 ? `${lines[0].replace(/:$/, '')} near "${lines[1]}": ${lines[3]}` : lines.join(' ');
    throw new InvalidTemplateError(reason);
  }
}

/**
 * Variables are flat strings and numbers, so the supported subset is {{name}}, {{{name}}} and
 * {{#if name}} / {{#unless name}} with {{else}}; anything else (paths, helpers, partials, each)
 * could only fail at send time, so it fails here.
 */
function supportedVariables(program: Program, names: Set<string>): Set<string> {
  for (const statement of program.body) {
    if (statement.type === 'ContentStatement' || statement.type === 'CommentStatement') continue;
    if (statement.type === 'MustacheStatement') names.add(mustacheVariable(statement as hbs.AST.MustacheStatement));
    else if (statement.type === 'BlockStatement') {
      const block = statement as hbs.AST.BlockStatement;
      names.add(conditionVariable(block));
      supportedVariables(block.program, names);
      if (block.inverse) supportedVariables(block.inverse, names);
    } else throw unsupported(statement, 'partials, decorators and raw blocks are not supported');
  }
  return names;
}

function mustacheVariable(statement: hbs.AST.MustacheStatement): string {
  if (statement.params.length > 0 || statement.hash) throw unsupported(statement, 'helpers are not supported');
  return variableName(statement.path, statement);
}

function conditionVariable(block: hbs.AST.BlockStatement): string {
  const helper = block.path.original;
  if (!CONDITIONALS.has(helper)) throw unsupported(block, `{{#${helper}}} is not supported: use {{#if name}} or {{#unless name}}`);
  if (block.params.length !== 1 || block.hash) throw unsupported(block, `{{#${helper}}} takes exactly one variable`);
  return variableName(block.params[0], block);
}

function variableName(expression: hbs.AST.Expression, at: Statement): string {
  const path = expression as hbs.AST.PathExpression;
  const [name] = path.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length === 1 ? path.parts : [];
  if (name === undefined || !VARIABLE_NAME.test(name) || HELPER_NAMES.has(name)) {
    const original = (expression as { original?: unknown }).original;
    const shown = original === undefined ? 'a sub-expression' : `"${String(original)}"`;
    throw unsupported(at, `${shown} is not a variable name (letters, digits and _, such as firstName)`);
  }
  return name;
}

function unsupported(statement: Statement, reason: string): InvalidTemplateError {
  const start = statement.loc?.start;
  return new InvalidTemplateError(start ? `${reason} (line ${start.line}, column ${start.column + 1})` : reason);
}

/**
 * Walks the branches rendering would take, so a variable only used under a false {{#if}} is not
 * required, and collects every missing one (Handlebars' strict mode stops at the first).
 */
function missingVariables(program: Program, values: TemplateVariables, missing: Set<string>): Set<string> {
  for (const statement of program.body) {
    if (statement.type === 'MustacheStatement') {
      const name = ((statement as hbs.AST.MustacheStatement).path as hbs.AST.PathExpression).parts[0];
      if (!Object.hasOwn(values, name)) missing.add(name);
    } else if (statement.type === 'BlockStatement') {
      const block = statement as hbs.AST.BlockStatement;
      const name = (block.params[0] as hbs.AST.PathExpression).parts[0];
      const truthy = Object.hasOwn(values, name) && Boolean(values[name]);
      const taken = (block.path.original === 'if') === truthy ? block.program : block.inverse;
      if (taken) missingVariables(taken, values, missing);
    }
  }
  return missing;
}
