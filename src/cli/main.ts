/** The `ntk-lab` command: dispatches to subcommands and turns ntk-lab errors into one-line messages. */
import { NtkLabError } from '../errors';
import { BUILD_NATIVE_USAGE, buildNativeCommand } from './build-native-command';
import { EXPORT_USAGE, exportCommand } from './export-command';
import { INSTALL_USAGE, installCommand, kernelCommand } from './install-command';
import { NTK_USAGE, ntkCommand } from './ntk-command';
import { ONE_STEP_USAGE, oneStepCommand } from './one-step-command';
import { RUN_NOTEBOOKS_USAGE, runNotebooksCommand } from './run-notebooks-command';
import { START_USAGE, startCommand } from './start-command';
import { TILES_USAGE, tilesCommand } from './tiles-command';
import { TUTORIALS_USAGE, tutorialsCommand } from './tutorials-command';

const USAGE = `ntk-lab <command> [options]

commands:
  ntk        explicit NTK and layerwise components of a seeded MLP on Gaussian inputs
  install    install the Jupyter kernelspec 'ntk-lab' (TypeScript with comms and widgets)
  uninstall  remove it
  kernel     run the kernel on a connection file (what the kernelspec does)
  one-step   one gradient step on a two-layer network (Ba et al. 2022): spike, alignment, ridge risks vs learning rate
  run-notebooks  execute notebooks headless on the ntk-lab kernel (nbclient) and write the executed copies
  export     an executed notebook as one self-contained HTML page and one image per figure
  start      set up what is missing and run JupyterLab on a folder of notebooks (npm start: the tutorials)
  tutorials  copy the tutorial notebooks into a folder of your project
  build-native  build the OpenBLAS addon from source (where no prebuilt one fits this platform)
  tiles      resumable tile jobs: plan, run (local workers, Kubernetes, Slurm), status, assemble

${NTK_USAGE}

${ONE_STEP_USAGE}

${INSTALL_USAGE}

${RUN_NOTEBOOKS_USAGE}

${EXPORT_USAGE}

${START_USAGE}

${TUTORIALS_USAGE}

${BUILD_NATIVE_USAGE}

${TILES_USAGE}`;

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'ntk':
        return await ntkCommand(rest);
      case 'one-step':
        return await oneStepCommand(rest);
      case 'install':
      case 'uninstall':
        return await installCommand(command, rest);
      case 'kernel':
        return await kernelCommand(rest);
      case 'run-notebooks':
        return await runNotebooksCommand(rest);
      case 'export':
        return await exportCommand(rest);
      case 'start':
        return await startCommand(rest);
      case 'tutorials':
        return await tutorialsCommand(rest);
      case 'build-native':
        return await buildNativeCommand(rest);
      case 'tiles':
        return await tilesCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`ntk-lab: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof NtkLabError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`ntk-lab ${command}: ${e.name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
