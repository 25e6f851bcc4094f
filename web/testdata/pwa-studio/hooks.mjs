// Module hooks for extract.mjs: resolve imports the way PWA Studio's build does for the
// Adobe Commerce edition, and load only what the GraphQL documents need.
//
// - Resolution follows buildpack's MagentoResolver with isEE: a request is tried as it is,
//   then with the extensions ".ee.js" and ".js" in that order, then as a folder's index,
//   so "./gallery.gql" is gallery.gql.ee.js where that file exists.
// - "@apollo/client" and "graphql-tag" are a module exporting a gql tag that, as
//   graphql-tag does, appends each interpolated document's text (its fragments) to the
//   template's.
// - A .gql.js module is loaded as it is, but for imports of other things than GraphQL
//   modules, which become undefined bindings. Any other module (a talon or a component, with
//   JSX and imports of React and the like) is reduced to its imports of GraphQL modules
//   and its gql-tagged constants, every one of them exported: its other code is never run.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules');
const GQL = 'pwa-compat:gql';

const isFile = p => existsSync(p) && statSync(p).isFile();

function resolveFile(p) {
    for (const candidate of [p, p + '.ee.js', p + '.js', path.join(p, 'index.ee.js'), path.join(p, 'index.js')]) {
        if (isFile(candidate)) return candidate;
    }
    return null;
}

const isGraphQLModule = file => /\.gql(\.ee|\.ce)?\.js$/.test(file);

// holdsDocuments: a module named as a GraphQL module, or one that declares gql documents
// (such as queries/giftCardSummary.ee.js), whose imports are followed.
const holdsDocuments = file => isGraphQLModule(file) || readFileSync(file, 'utf8').includes('gql`');

export async function resolve(specifier, context, next) {
    if (specifier === '@apollo/client' || specifier === 'graphql-tag') {
        return { url: GQL, shortCircuit: true };
    }
    let base = null;
    if (specifier.startsWith('.') && context.parentURL) {
        base = path.resolve(path.dirname(fileURLToPath(context.parentURL)), specifier);
    } else if (specifier.startsWith('@magento/')) {
        base = path.join(root, specifier);
    } else if (path.isAbsolute(specifier)) {
        base = specifier;
    } else if (specifier.startsWith('file:')) {
        base = fileURLToPath(specifier);
    }
    const file = base && resolveFile(base);
    if (!file) {
        throw new Error(`cannot resolve ${specifier} from ${context.parentURL || 'the command line'}`);
    }
    return { url: pathToFileURL(file).href, shortCircuit: true };
}

// The gql tag: a document is an object holding its text, with the interpolated documents'
// texts appended in place, as graphql-tag's source is.
const gqlSource = `
export function gql(strings, ...values) {
    let text = strings[0];
    values.forEach((v, i) => {
        text += (v && typeof v.pwaCompatSource === 'string' ? v.pwaCompatSource : String(v)) + strings[i + 1];
    });
    return { kind: 'Document', pwaCompatSource: text };
}
export default gql;
export const pwaCompatInert = new Proxy(function () {}, {
    get: (target, key) => (key === Symbol.toPrimitive ? () => '' : pwaCompatInert),
    apply: () => pwaCompatInert,
    construct: () => pwaCompatInert
});
`;

const importRe = /^\s*import\s+([^;'"]*?)\s*from\s*['"]([^'"]+)['"];?/gm;
const constRe = /(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*=\s*gql\s*(`[^`]*`)/g;

// reduce keeps a module's imports of modules holding documents, and its gql constants.
function reduce(source, file) {
    const out = [];
    for (const [, clause, spec] of source.matchAll(importRe)) {
        if (spec === '@apollo/client' || spec === 'graphql-tag') continue;
        const base = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec.startsWith('@magento/') ? path.join(root, spec) : null;
        const target = base && resolveFile(base);
        if (target && holdsDocuments(target)) out.push(`import ${clause} from ${JSON.stringify(spec)};`);
    }
    out.push(`import { gql } from '@apollo/client';`);
    const names = [];
    for (const [, name, template] of source.matchAll(constRe)) {
        out.push(`const ${name} = gql${template};`);
        names.push(name);
    }
    if (names.length) out.push(`export { ${names.join(', ')} };`);
    return out.join('\n');
}

// localNames are the bindings an import clause declares ("X", "{ a, b as c }", "* as ns").
function localNames(clause) {
    const names = [];
    const braces = clause.match(/\{([^}]*)\}/);
    if (braces) {
        for (const part of braces[1].split(',')) {
            const bits = part.trim().split(/\s+as\s+/);
            if (bits[0]) names.push(bits[bits.length - 1].trim());
        }
    }
    const rest = clause.replace(/\{[^}]*\}/, '').split(',').map(x => x.trim()).filter(Boolean);
    for (const r of rest) names.push(r.replace(/^\*\s+as\s+/, ''));
    return names;
}

// stubImports keeps a GraphQL module's imports of modules holding documents and replaces its
// other imports (a helper such as BrowserPersistence, used by code around the documents)
// with inert bindings of the same names: values that can be called, constructed and read
// without effect, so that such a module's top level runs.
function stubImports(source, file) {
    let stubbed = false;
    const out = source.replace(importRe, (statement, clause, spec) => {
        if (spec === '@apollo/client' || spec === 'graphql-tag') return statement;
        const base = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec.startsWith('@magento/') ? path.join(root, spec) : null;
        const target = base && resolveFile(base);
        if (target && holdsDocuments(target)) return statement;
        stubbed = true;
        return localNames(clause).map(n => `const ${n} = pwaCompatInert;`).join(' ');
    });
    return stubbed ? `import { pwaCompatInert } from '@apollo/client';\n${out}` : out;
}

export async function load(url, context, next) {
    if (url === GQL) {
        return { format: 'module', source: gqlSource, shortCircuit: true };
    }
    if (url.startsWith('file:')) {
        const file = fileURLToPath(url);
        const source = readFileSync(file, 'utf8');
        return { format: 'module', source: isGraphQLModule(file) ? stubImports(source, file) : reduce(source, file), shortCircuit: true };
    }
    return next(url, context);
}
