// Prints, as JSON, the GraphQL documents that the PWA Studio modules named on the command
// line (paths under node_modules, without the edition's extension, as Venia imports them)
// export: each named export and each value of the default export that is a gql document,
// with its full text (interpolated fragments included). Used by web/pwa_studio_test.go;
// see hooks.mjs for how the modules are resolved and loaded.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);

const out = [];
for (const spec of process.argv.slice(2)) {
    const mod = await import(spec);
    const add = (name, v) => {
        if (v && typeof v.pwaCompatSource === 'string') out.push({ module: spec, export: name, source: v.pwaCompatSource });
    };
    for (const [name, v] of Object.entries(mod)) {
        if (name !== 'default') add(name, v);
    }
    if (mod.default && typeof mod.default === 'object' && typeof mod.default.pwaCompatSource !== 'string') {
        for (const [name, v] of Object.entries(mod.default)) add('default.' + name, v);
    } else {
        add('default', mod.default);
    }
}
process.stdout.write(JSON.stringify(out));
