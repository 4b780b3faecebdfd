/**
 * Issue 15, part 2: the public API is package.json's `exports` map, and nothing else. Every subpath resolves with
 * `require` (an installed package's layout, and the package's self-reference) and with `import` (the same names),
 * its `typesVersions` twin points at the same built .d.ts (what TypeScript 5.0 with Node10 resolution, tslab's,
 * reads), deep imports are refused, no entry leaks an internal, and each entry exports exactly the names listed
 * here: adding an export means adding it to this list too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as TS from '@tslab/typescript-for-tslab';

const REPO = resolve(__dirname, '../../..');

// The TypeScript that notebook cells are compiled with (tslab's own dependency, 5.0).
const ts = createRequire(require.resolve('tslab/package.json'))('@tslab/typescript-for-tslab') as typeof TS;

interface Conditions {
  types: string;
  default: string;
}
interface PackageJson {
  name: string;
  main: string;
  types: string;
  exports: Record<string, Conditions | string>;
  typesVersions: Record<string, Record<string, string[]>>;
}
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;

/** Runtime names (values, classes included) and type-only names of each entry. */
const EXPECTED: Record<string, { values: string[]; types: string[] }> = {
  '.': {
    values: [
      'ACTIVATIONS', 'ArrowFormatError', 'BACKEND_NAMES', 'BackendUnavailableError', 'CancelledError', 'CommClosedError',
      'CommUnavailableError', 'ConvergenceError', 'InvalidOptionError', 'JobFormatError', 'JobIncompleteError', 'JobIntegrityError',
      'Kernel', 'LinalgError', 'MemoryBudgetError', 'Mlp', 'NonFiniteError', 'NtkLabError', 'RayUnavailableError', 'Rng', 'ShapeError', 'TileIndexError',
      'TileWriteError', 'UnsupportedModelError', 'VERSION', 'activation', 'asMlp',
      'availableBackends', 'backendInfo', 'chooseNtkMethod', 'ck', 'ensureBackend', 'gradientDescentMse', 'kernelRidge',
      'linalgInfo', 'mlp', 'ntk', 'ntkCost', 'ntkLayerwise', 'ntkTiles', 'ntkVp', 'twoLayer', 'useBackend',
      'pseudoNtk', 'sketchedNtk', 'nystromNtk',
      // the kernel during training (docs/training.md)
      'TRAINING_METRICS', 'centredAlignment', 'eigenTargetAlignment', 'kernelDistance', 'kernelTargetAlignment', 'relativeChange',
      'traceShares', 'train',
      'DataFormatError', 'ModelFormatError', 'loadLayersModel', 'loadModel', 'saveModel',
      // tile-store operator, block Krylov, SLQ, CG (issue 17 item 3)
      'conjugateGradient', 'jacobiPreconditioner', 'nystromPreconditioner',
      // pivoted-Cholesky preconditioner and column sources (issue 17 item 3)
      'denseColumnSource', 'pivotedCholesky', 'pivotedCholeskyPreconditioner',
      // gradient kernels ntk-lab provides for tfjs-backend-wasm (src/backend/wasm-kernels)
      'registerWasmGradientKernels',
      // self-attention as a pure function (docs/architectures.md)
      'selfAttention',
    ],
    types: [
      'Activation', 'ActivationName', 'AutodiffModel', 'BackendInfo', 'BackendName', 'CkOptions', 'ConvolutionsOption', 'CostEstimate', 'DenseSpec',
      'FloatArray', 'GradientDescentMseOptions', 'GradientDescentMsePredictor', 'InputBatch', 'KernelInit', 'KernelKind',
      'KernelLike', 'KernelMethod', 'KernelRidgeOptions', 'LayerCost', 'LayerWeights', 'LayerwiseNtk', 'LinalgInfo', 'LossNormalization',
      'Matrix', 'MethodChoice', 'MlpOptions', 'NtkCost', 'NtkMethod', 'NtkModel', 'NtkOptions', 'NtkTile', 'NtkVpOptions', 'OutputLayout',
      'OutputsLike', 'Parameterization', 'PredictOptions', 'PureModel', 'Range', 'RegularizerScale', 'RouteCost', 'TargetsLike',
      'TwoLayerOptions',
      'ApproxCost', 'ApproxError', 'ApproxResult', 'NystromError', 'NystromNtkOptions', 'NystromNtkResult', 'PseudoNtkOptions',
      'PseudoNtkResult', 'SketchedNtkOptions', 'SketchedNtkResult',
      'OptimizerName', 'SnapshotOptions', 'TargetMatrix', 'TrainOptions', 'TrainableModel', 'TrainingColumns', 'TrainingLoss',
      'TrainingMetric', 'TrainingRow', 'TrainingSet', 'TrainingSnapshot',
      'LoadedModel', 'SaveModelOptions', 'SavedModelInfo', 'SavedModelKind',
      'CgOptions', 'CgResult', 'NystromOptions', 'Preconditioner',
      'ColumnSource', 'PivotedCholeskyFactor', 'PivotedCholeskyOptions',
      'Attention', 'AttentionOptions', 'PureRoute',
    ],
  },
  './spectra': {
    values: [
      'detectSpikes', 'histogram', 'kde', 'ksDistance', 'lanczos', 'matrixOperator', 'spectrum', 'summarize', 'symmetricEigen',
      'topEigenvectors', 'topSpectrum', 'wasserstein1',
      // tile-store operator, block Krylov, SLQ, CG (issue 17 item 3)
      'blockTopEigen', 'denseBlockOperator', 'slq', 'slqDensityTable', 'slqDistance',
      'hutchpp',
    ],
    types: [
      'DistanceOptions', 'EigenOptions', 'EigenResult', 'EsdOptions', 'Histogram', 'Kde', 'KernelSpectrum', 'LanczosOptions',
      'LanczosResult', 'SpectrumOptions', 'SpectrumResult', 'SpectrumSummary', 'SpikeOptions', 'Spikes', 'SymmetricOperator',
      'TopSpectrumOptions',
      'BlockEigenOptions', 'BlockEigenResult', 'BlockOperator', 'SlqOptions', 'SlqResult',
      'HutchppOptions', 'HutchppResult',
    ],
  },
  './theory': {
    values: [
      'ConvergenceError', 'LimitKernel', 'ckLimit', 'deformedSemicircle', 'densityTable', 'discreteMeasure', 'expectedKernel',
      'expectedPair', 'fanWangCk', 'fanWangNtk', 'fanWangNtkCoefficients', 'gaussHermite', 'gaussLegendre', 'gaussianExpectation',
      'hermite', 'infiniteWidthKernels', 'lawCurve', 'lawDensity', 'limitLayers', 'marchenkoPastur', 'marchenkoPasturDensity',
      'nngpLimit', 'ntkLimit', 'pointMass', 'semicircle', 'semicircleDensity', 'theoryFor',
    ],
    types: [
      'ActivationSpec', 'AssumptionCheck', 'Atom', 'CkLimitOptions', 'Complex', 'DeformedSemicircleParams', 'DensityCurve',
      'DiscreteMeasure', 'DualOf', 'FanWangCkParams', 'FanWangInput', 'FanWangLayer', 'FanWangNtkParams', 'FixedPointProblem',
      'HermiteExpansion', 'HermiteOptions', 'InfiniteWidthKernels', 'LawDensity', 'LawDensityOptions', 'LimitLayer', 'LimitModel',
      'LimitOptions', 'MarchenkoPasturParams', 'QuadratureRule', 'SpectralLaw', 'TheoryOptions', 'TheoryResult',
    ],
  },
  './arrow': {
    values: [
      'CallbackSink', 'IpcEncoder', 'IpcFileSink', 'RESULT_KINDS', 'ResultStream', 'SCHEMA_VERSION', 'TableSink', 'alignmentBatch',
      'densityBatch', 'densityLaws', 'isResultKind', 'kernelStream', 'kernelTileBatch', 'kernelTileBatches', 'kernelsFromTable',
      'layerwiseBatch', 'layerwiseRows', 'ntkTileStream', 'oneStepSweepBatch', 'readKernels', 'readResults', 'resultFields',
      'resultSchema', 'resultsFromBytes', 'ridgeRiskBatch', 'spectrumBatch', 'writeKernels', 'writeResult',
    ],
    types: [
      'AlignmentColumns', 'AlignmentInput', 'AnyResultTable', 'BatchCallback', 'BatchProgress', 'DensityColumns', 'DensityInput',
      'DensityLaw', 'FileSummary', 'IpcFileSinkOptions', 'IpcFormat', 'JsonValue', 'KernelDescriptor', 'KernelStreamOptions',
      'KernelTile', 'KernelTileColumns', 'KernelTileOptions', 'KernelsFromTableOptions', 'LawSpec', 'LayerwiseColumns',
      'LayerwiseRow', 'OneStepSweepColumns', 'OneStepSweepRow', 'ReadKernelsOptions', 'ResultColumns', 'ResultKind',
      'ResultMetadata', 'ResultSink', 'ResultStreamOptions', 'ResultTable', 'RidgeRiskColumns', 'RidgeRiskRow', 'RunMeta',
      'SinkResult', 'SpectrumColumns', 'SpectrumInput', 'StreamStatus', 'WriteKernelsOptions', 'WriteResultOptions',
    ],
  },
  './one-step': {
    values: [
      'LINEAR_LAMBDAS', 'ckFeatures', 'ckRidge', 'firstLayerGradient', 'firstStep', 'gaussianEquivalentRisk', 'gradientSpike',
      'initialStudent', 'learningRate', 'oneStepMemoryEstimate', 'oneStepSweep', 'oneStepSweepStream',
      'ridgePredict', 'sampleData', 'singleIndexTeacher', 'teacherMoments', 'topSingular', 'tunedLinearRidge',
    ],
    types: [
      'FirstLayerGradient', 'GaussianEquivalentInputs', 'GradientSpike', 'GradientSpikeInputs', 'LearningRateScaling',
      'LinearBaseline', 'OneStepOptions', 'OneStepRunOptions', 'OneStepStreamOptions', 'OneStepSweepColumns', 'OneStepSweepRow',
      'RidgeFit', 'RidgeSolver', 'Sample', 'SingularAlong', 'Student', 'StudentOptions', 'Teacher', 'TeacherMoments',
      'TeacherOptions',
    ],
  },
  './linalg': {
    values: [
      'cholesky', 'choleskyAsync', 'eigh', 'eighAsync', 'gram', 'gramAsync', 'linalgInfo', 'matmul', 'matmulAsync', 'matrix',
      'solvePositiveDefinite', 'solvePositiveDefiniteAsync', 'svd', 'svdAsync',
    ],
    types: [
      'AddonInfo', 'EighOptions', 'EighResult', 'FloatArray', 'GramOptions', 'Implementation', 'LinalgInfo', 'MatmulOptions',
      'Matrix', 'SvdOptions', 'SvdResult',
    ],
  },
  './notebook': {
    values: [
      'AlignmentWidget', 'BatchChannel', 'Comm', 'CommClosedError', 'CommUnavailableError', 'KernelWidget', 'PLOTLY_MIME',
      'RiskWidget', 'SpectrumWidget', 'StreamingWidget', 'WIDGET_PROTOCOL_VERSION', 'WIDGET_VIEW_MIME', 'WidgetModel', 'cellSignal',
      'commsAvailable', 'display', 'encodeBatch', 'onWidgetOpened', 'openComm', 'openWidget', 'registerTarget', 'showAlignment',
      'showKernel', 'showRisk', 'showSpectrum', 'staticBundle', 'unregisterTarget',
      'TrainingWidget', 'showTraining',
      'progressLine',
    ],
    types: [
      'BatchSource', 'BinaryLike', 'BufferPath', 'ChangeHandler', 'CommHandler', 'CommMessage', 'CustomHandler', 'DisplayHandle',
      'DisplayOptions', 'JsonObject', 'JsonPrimitive', 'JsonValue', 'KernelWidgetOptions', 'MimeBundle', 'SpectrumWidgetOptions',
      'StateValue', 'StreamOutcome', 'StreamingWidgetInit', 'SweepParams', 'SweepWidgetOptions', 'TargetHandler', 'WidgetPort',
      'TrainingWidgetOptions',
      'ProgressLine', 'ProgressLineOptions',
      'WidgetSpec', 'WidgetState',
    ],
  },
  './tiles': {
    values: [
      'JOB_FORMAT', 'JOB_SCHEMA_VERSION', 'JobFormatError', 'JobIncompleteError', 'JobIntegrityError', 'RayUnavailableError', 'TileIndexError', 'TileJob',
      'TileWriteError', 'assembleJob', 'indexFromEnvironment', 'jobStatus', 'kubernetesJob', 'loadModel', 'planTileJob',
      'readKernelBlock', 'readNpyInfo', 'runLocal', 'runRay', 'runTile', 'saveModel', 'slurmScript', 'tileAt', 'tileGrid', 'toYaml',
      // tile-store operator, block Krylov, SLQ, CG (issue 17 item 3)
      'TileStoreOperator', 'kernelRidgeOnStore', 'readNpyMatrix', 'writeNpyMatrix',
      'gradientDescentOnStore',
    ],
    types: [
      'AssembleOptions', 'AssembleResult', 'BlockRange', 'FileHash', 'JobKernel', 'JobStatus', 'JobStatusOptions', 'KernelBlock',
      'KubernetesJobOptions', 'LoadedModel', 'LocalRunEvent', 'LocalRunOptions', 'LocalRunSummary', 'NpyInfo', 'OpenTileJobOptions',
      'PlanTileJobOptions', 'RayNode', 'RayRunOptions', 'RayRunResult', 'RayRunSummary', 'RayTileRun', 'RunTileOptions', 'SavedModelInfo', 'SavedModelKind', 'SlurmScriptOptions', 'Temporary', 'TileGridSpec',
      'TileJobManifest', 'TileOutcome', 'TileProblem', 'TileRecord', 'TileRef', 'TileState', 'VerifyLevel',
      'KernelStats', 'StorePassEvent', 'StoreRidgeOptions', 'StoreRidgeResult', 'TileStoreOptions', 'TileVerify',
      'CrossOperator', 'StoreGdOptions', 'StoreGdResult',
    ],
  },
  './data': {
    values: [
      'DataFormatError', 'assignWeights', 'loadDigits', 'loadMnist', 'oneHot', 'permuteAxes', 'readArrowDataset', 'readArrowTable',
      'readIdx', 'readNpy', 'readNpz', 'readParquet', 'readSafetensors', 'tableDataset', 'toMatrix', 'trainTestSplit',
    ],
    types: [
      'ByteSource', 'ClassificationSet', 'DType', 'Dataset', 'DigitsData', 'DigitsOptions', 'MnistData', 'MnistOptions', 'NdArray',
      'NdData', 'Normalization', 'Safetensors', 'SplitOptions', 'TableOptions', 'WeightSource',
    ],
  },
};

/** Names that are implementation details of some capability; none may be exported by the root. */
const INTERNAL = [
  // models io, data
  'modelFiles', 'MODEL_JSON', 'WEIGHTS_BIN', 'decodeNpy', 'parseNpyHeader', 'zipEntries', 'zipRead', 'crc32', 'decodeIdx', 'toDataset',
  'normalizeColumns', 'takeRows', 'classificationSet', 'decodeValues', 'fortranToC', 'halfToFloat', 'DIGITS_FILE',
  // one-step
  'StepGram', 'StepPreactivations', 'gramSide', 'GramSide', 'singularFromGram', 'parseScaling', 'resolveOneStepOptions',
  'ResolvedOneStep', 'oneStepParams', 'summariseSeeds', 'ckRidgeShift', 'ridgeRegression', 'scalingExponent', 'scalingLabel',
  // arrow
  'META', 'PRODUCER', 'runMetadata', 'checkSchema', 'KERNEL_TILE_FIELDS', 'SPECTRUM_FIELDS', 'DENSITY_FIELDS', 'ALIGNMENT_FIELDS',
  'ONE_STEP_SWEEP_FIELDS', 'RIDGE_RISK_FIELDS', 'LAYERWISE_FIELDS', 'kernelGrid', 'densityMetadata', 'LAWS_KEY',
  // theory
  'StieltjesSolver', 'linearWidthProblem', 'LinearWidthSpec', 'hermitePolynomials', 'gaussianRule', 'activationSpec',
  // ntk, backend, random, special
  'explicitMemoryEstimate', 'defaultMaxBytes', 'ensureBackendSync', 'deriveSeed', 'erf', 'erfc',
  // tiles
  'writeFileAtomic', 'removeTemporariesSync', 'TEMPORARY', 'parseFaults', 'fireFault', 'tileState', 'readRecord', 'readManifest',
  'encodeKernelTiles', 'tileBatches', 'viewRange', 'npyHeader', 'exitOnInterrupt',
  // display
  'DEFAULT_SWEEP_PARAMS', 'etaGrid', 'plotlyJson', 'MODULE_NAME', 'MODULE_VERSION',
];

/** Internals an entry keeps on purpose, with the reason in its index's comment. */
const ALLOWED: Record<string, string[]> = {};

const ENTRIES = Object.keys(EXPECTED);

function conditions(subpath: string): Conditions {
  const c = PKG.exports[subpath];
  assert.ok(typeof c === 'object', `exports['${subpath}'] has conditions`);
  return c;
}

function specifier(subpath: string): string {
  return subpath === '.' ? PKG.name : `${PKG.name}/${subpath.slice(2)}`;
}

/** A folder laid out as an npm install leaves it: node_modules/ntk-lab is this repository. */
function installedLayout(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ntk-lab-exports-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO, join(dir, 'node_modules', PKG.name), 'dir');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every name a built .d.ts exports (values and types), as TypeScript 5.0 sees it. */
function declaredNames(): Map<string, string[]> {
  const files = ENTRIES.map((e) => join(REPO, conditions(e).types));
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, moduleResolution: ts.ModuleResolutionKind.Node10, types: [] });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  ENTRIES.forEach((e, i) => {
    const source = program.getSourceFile(files[i]);
    assert.ok(source, `${files[i]} is in the program`);
    const module = checker.getSymbolAtLocation(source);
    assert.ok(module, `${files[i]} is a module`);
    out.set(e, checker.getExportsOfModule(module).map((s) => s.name).sort());
  });
  return out;
}

const sorted = (names: readonly string[]): string[] => [...names].sort();

test('package.json: exports lists the documented entries (types, then default) and typesVersions maps each subpath to the same built .d.ts', () => {
  assert.deepEqual(Object.keys(PKG.exports), [...ENTRIES, './package.json']);
  assert.equal(PKG.exports['./package.json'], './package.json');
  const mapped = PKG.typesVersions['*'];
  assert.deepEqual(Object.keys(mapped), ENTRIES.filter((e) => e !== '.').map((e) => e.slice(2)));
  for (const entry of ENTRIES) {
    const c = conditions(entry);
    // Conditions are matched in order: 'types' must come before 'default' or TypeScript never sees it.
    assert.deepEqual(Object.keys(c), ['types', 'default'], entry);
    assert.ok(existsSync(join(REPO, c.default)), `${entry}: ${c.default} is built`);
    assert.ok(existsSync(join(REPO, c.types)), `${entry}: ${c.types} is built`);
    assert.equal(c.types.replace(/\.d\.ts$/, '.js'), c.default, `${entry}: types and code are one module`);
    if (entry === '.') {
      // Resolvers that predate `exports` read main and types.
      assert.equal(`./${PKG.main}`, c.default);
      assert.equal(`./${PKG.types}`, c.types);
    } else {
      assert.deepEqual(mapped[entry.slice(2)], [c.types.slice(2)], `typesVersions['${entry.slice(2)}']`);
      assert.ok(existsSync(join(REPO, mapped[entry.slice(2)][0])), `typesVersions target of ${entry} is built`);
    }
  }
});

test('every entry resolves with require (installed layout and self-reference), with import, and with Node10 type resolution; deep imports are refused', () => {
  const { dir, cleanup } = installedLayout();
  try {
    const installed = createRequire(join(dir, 'script.js'));
    const self = createRequire(join(REPO, 'scripts', 'script.js'));
    const host = ts.createCompilerHost({});
    for (const entry of ENTRIES) {
      const name = specifier(entry);
      const code = join(REPO, conditions(entry).default);
      assert.equal(installed.resolve(name), code, `require.resolve('${name}') from an installed layout`);
      assert.equal(self.resolve(name), code, `require.resolve('${name}') inside the package`);
      const loaded = installed(name) as Record<string, unknown>;
      assert.deepEqual(sorted(Object.keys(loaded)), sorted(EXPECTED[entry].values), `runtime exports of '${name}'`);
      // What tslab's TypeScript finds for the import in a cell beside that node_modules.
      const typed = ts.resolveModuleName(name, join(dir, 'cell.ts'), { moduleResolution: ts.ModuleResolutionKind.Node10 }, host);
      assert.equal(typed.resolvedModule?.resolvedFileName, join(REPO, conditions(entry).types), `Node10 types of '${name}'`);
    }
    // ES modules import the same names: Node finds a CommonJS module's exports by parsing it (cjs-module-lexer), so
    // every export must be one it recognises, or `import { x } from 'ntk-lab/...'` fails where require works.
    const esm = join(dir, 'names.mjs');
    writeFileSync(esm, `const out = {};\nfor (const s of ${JSON.stringify(ENTRIES.map(specifier))}) out[s] = Object.keys(await import(s)).filter((k) => k !== 'default' && k !== '__esModule');\nconsole.log(JSON.stringify(out));\n`);
    const imported = JSON.parse(execFileSync(process.execPath, [esm], { cwd: dir, encoding: 'utf8', timeout: 120_000 }).trim().split('\n').pop() ?? '') as Record<string, string[]>;
    for (const entry of ENTRIES) assert.deepEqual(sorted(imported[specifier(entry)]), sorted(EXPECTED[entry].values), `ESM named exports of '${specifier(entry)}'`);
    assert.equal(installed.resolve(`${PKG.name}/package.json`), join(REPO, 'package.json'));
    for (const deep of ['build/src/kernel', 'build/src/spectra/index.js', 'build/src/feature-learning/step', 'src/index']) {
      assert.throws(() => installed.resolve(`${PKG.name}/${deep}`), (e: NodeJS.ErrnoException) => e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED', deep);
    }
  } finally {
    cleanup();
  }
});

test('each entry exports exactly its listed names: values at runtime, values and types in its .d.ts', () => {
  const declared = declaredNames();
  for (const entry of ENTRIES) {
    const runtime = sorted(Object.keys(require(join(REPO, conditions(entry).default)) as object));
    assert.deepEqual(runtime, sorted(EXPECTED[entry].values), `${entry}: runtime exports`);
    assert.deepEqual(declared.get(entry), sorted([...EXPECTED[entry].values, ...EXPECTED[entry].types]), `${entry}: declared exports`);
    const overlap = EXPECTED[entry].types.filter((t) => EXPECTED[entry].values.includes(t));
    assert.deepEqual(overlap, [], `${entry}: a name listed as both value and type`);
  }
});

test('no entry exports an internal (the root none at all; an entry only what it keeps on purpose)', () => {
  const declared = declaredNames();
  for (const entry of ENTRIES) {
    const leaked = (declared.get(entry) ?? []).filter((n) => INTERNAL.includes(n) && !(ALLOWED[entry] ?? []).includes(n));
    assert.deepEqual(leaked, [], `${entry} exports internals`);
  }
  assert.deepEqual(ALLOWED['.'], undefined);
});
