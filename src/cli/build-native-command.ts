/**
 * `ntk-lab build-native`: builds the OpenBLAS addon from source in the installed package (build/Release),
 * for platforms without a prebuilt binary or to link a BLAS of the user's choice. It runs the package's
 * scripts/build-native.js (node-gyp from node_modules, else npm's own) in strict mode: a missing compiler,
 * header or library is an error naming what to install.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

export const BUILD_NATIVE_USAGE = `ntk-lab build-native

builds the OpenBLAS/LAPACK addon from source (needs a C++ toolchain, python3, make, and OpenBLAS with its
headers: Debian/Ubuntu apt-get install libopenblas-dev, Fedora dnf install openblas-devel, macOS brew install
openblas). A source build takes precedence over the prebuilt addon; linalgInfo().addon says which one runs.`;

/** Runs the source build; resolves to its exit code. */
export async function buildNativeCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(BUILD_NATIVE_USAGE);
    return 0;
  }
  // build/src/cli -> the package root, where binding.gyp and scripts/ ship.
  const root = path.resolve(__dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.js'), '--strict'], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}
