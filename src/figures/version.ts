/**
 * The widget module's name and version, in one place: the kernel writes them into every model's
 * `_model_module` / `_model_module_version`, and the plugin registers the classes under them.
 * Both sides import this file (src/display/names.ts re-exports it; widgets/src/plugin.ts registers under it);
 * test/figures/kinds.test.ts checks it against the widgets package's own package.json.
 */
export const MODULE_NAME = 'ntk-lab-widgets';
export const MODULE_VERSION = '0.1.0';
/** The semver range the kernel asks for (any 0.1.x front end can render its models). */
export const MODULE_SEMVER = '^0.1.0';
