// Loader conformance: small projects and what compose-go (Docker Compose v2)
// makes of them. Each case names the compose-go test (or source) whose
// expected value it pins; the values are compose-go's, not ours to choose.
// A case is data: files (written under a temporary project directory, `-f`
// order is the order of `files` keys unless `args.files` says otherwise),
// then what `config` would print (`yaml` substrings) and/or values of the
// loaded tree (`values`, dotted paths), or the error it gives (`error`).

export interface ConformanceCase {
  name: string;
  /** compose-go test (file and function) or source this case follows. */
  follows: string;
  files: Record<string, string>;
  /** Compose files given with -f (default: compose.yaml). */
  composeFiles?: string[];
  env?: Record<string, string>;
  projectName?: string;
  interpolate?: boolean;
  normalize?: boolean;
  selectServices?: string[];
  /** Dotted path (`services.web.image`) → expected value in the loaded tree. */
  values?: Record<string, unknown>;
  /** Dotted paths that must not exist. */
  absent?: string[];
  /** Substrings of `config` output (YAML, `$` escaped as `config` prints it). */
  yaml?: string[];
  /** The error, without the `file:line:column: ` prefix when `errorAnywhere`. */
  error?: RegExp;
}

export const CASES: ConformanceCase[] = [
  // ---- project name
  {
    name: 'name: is normalized',
    follows: 'loader/loader.go projectName + NormalizeProjectName (TestLoadWithProjectName...)',
    files: { 'compose.yaml': 'name: My_App.Test\nservices:\n  web:\n    image: nginx\n' },
    values: { name: 'my_apptest', 'networks.default.name': 'my_apptest_default' },
  },
  {
    name: 'name: is interpolated before it is normalized',
    follows: 'loader/loader.go projectName (interp.Interpolate of name)',
    files: { 'compose.yaml': 'name: ${APP}-Dev\nservices:\n  web:\n    image: nginx\n' },
    env: { APP: 'Shop' },
    values: { name: 'shop-dev' },
  },
  {
    name: 'an invalid -p is an error',
    follows: 'loader/loader.go InvalidProjectNameErr (TestLoadInvalidProjectName)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n' },
    projectName: 'My Project',
    error: /invalid project name "My Project": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number/,
  },
  {
    name: 'COMPOSE_PROJECT_NAME is set for interpolation from name:',
    follows: 'loader/loader.go projectName: details.Environment[COMPOSE_PROJECT_NAME] (TestProjectNameInterpolation)',
    files: { 'compose.yaml': 'name: shop\nservices:\n  web:\n    image: nginx\n    container_name: ${COMPOSE_PROJECT_NAME}-web\n' },
    values: { 'services.web.container_name': 'shop-web' },
  },
  {
    name: 'COMPOSE_PROJECT_NAME is set for interpolation from -p',
    follows: 'loader/loader.go projectName (imperatively set name)',
    files: { 'compose.yaml': 'name: shop\nservices:\n  web:\n    image: nginx\n    labels:\n      p: ${COMPOSE_PROJECT_NAME}\n' },
    projectName: 'other',
    values: { 'services.web.labels.p': 'other', name: 'other' },
  },
  {
    name: 'COMPOSE_PROJECT_NAME is set for interpolation from the directory',
    follows: 'loader/loader.go projectName (name from working dir)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    hostname: ${COMPOSE_PROJECT_NAME}\n' },
    values: { 'services.web.hostname': 'conformance-project' },
  },
  // ---- interpolation and output
  {
    name: 'config re-escapes $ as $$',
    follows: 'docker/compose cmd/compose/config.go escapeDollarSign',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    command: echo $$HOME\n    environment:\n      PRICE: "cost $$5"\n' },
    values: { 'services.web.environment.PRICE': 'cost $5' },
    yaml: ['PRICE: cost $$5', '- $$HOME'],
  },
  {
    name: 'typed values from variables are cast',
    follows: 'loader/loader_test.go TestLoadWithInterpolationCastFull',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    read_only: $thebool\n    scale: ${theint}\n    stop_grace_period: ${theduration}\n    healthcheck:\n      retries: ${theint}\n' },
    env: { thebool: 'true', theint: '5', theduration: '60s' },
    values: { 'services.web.read_only': true, 'services.web.scale': 5, 'services.web.stop_grace_period': '1m0s', 'services.web.healthcheck.retries': 5 },
  },
  {
    name: 'depends_on.required from a variable is a boolean',
    follows: 'loader/interpolate.go interpolateTypeCastMapping depends_on.*.required',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_started\n        required: ${REQ:-false}\n  db:\n    image: pg\n' },
    values: { 'services.web.depends_on.db.required': false },
    yaml: ['required: false'],
  },
  {
    name: 'typed fields holding ${VAR} are left as written under --no-interpolate',
    follows: 'docker compose config --no-interpolate (Options.SkipInterpolation)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    cpus: ${CPUS}\n    read_only: ${RO}\n    mem_limit: ${MEM}\n    stop_grace_period: ${GRACE}\n    secrets:\n      - source: s\n        mode: ${MODE}\nsecrets:\n  s:\n    file: ./s\n' },
    interpolate: false,
    values: { 'services.web.cpus': '${CPUS}', 'services.web.read_only': '${RO}', 'services.web.mem_limit': '${MEM}', 'services.web.stop_grace_period': '${GRACE}' },
  },
  {
    name: 'environment values keep their text; a bare key takes the environment',
    follows: 'loader/loader_test.go TestLoadWithEnvironment',
    files: { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    environment:\n      FOO: "1"\n      BAR: 2\n      GA: 2.5\n      BU: ""\n      ZO:\n      MEU:\n' },
    env: { MEU: 'Shadoks' },
    values: { 'services.web.environment': { FOO: '1', BAR: '2', GA: '2.5', BU: '', ZO: null, MEU: 'Shadoks' } },
  },
  {
    name: 'boolean environment values are text',
    follows: 'loader/loader_test.go TestLoadEnvironmentWithBoolean',
    files: { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    environment:\n      FOO: true\n      BAR: false\n' },
    values: { 'services.web.environment': { FOO: 'true', BAR: 'false' } },
  },
  {
    name: 'labels interpolated, a missing variable is empty, defaults apply',
    follows: 'loader/loader_test.go TestLoadWithEnvironmentInterpolation',
    files: { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    labels:\n      - home1=$HOME\n      - home2=${HOME}\n      - nonexistent=$NONEXISTENT\n      - default=${NONEXISTENT-default}\n' },
    env: { HOME: '/home/foo' },
    values: { 'services.web.labels': { home1: '/home/foo', home2: '/home/foo', nonexistent: '', default: 'default' } },
  },
  // ---- file modes
  {
    name: 'a string file mode is octal and prints as compose-go prints it',
    follows: 'types/types.go FileMode (UnmarshalYAML: string is octal; String: 0%o)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    secrets:\n      - source: s\n        mode: "0440"\n      - source: s\n        target: /b\n        mode: 0440\n      - source: s\n        target: /c\n        mode: 256\nsecrets:\n  s:\n    file: ./s\n' },
    values: { 'services.web.secrets.0.mode': 0o440, 'services.web.secrets.1.mode': 0o440, 'services.web.secrets.2.mode': 256 },
    yaml: ['mode: "0440"', 'mode: "0400"'],
  },
  {
    name: 'a secret without target is mounted at /run/secrets/NAME',
    follows: 'types/types.go ServiceSecretConfig.UnmarshalYAML',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    secrets: [s]\nsecrets:\n  s:\n    environment: TOKEN\n' },
    values: { 'services.web.secrets.0.target': '/run/secrets/s' },
  },
  // ---- paths
  {
    name: 'a build without context builds the project directory',
    follows: 'transform/defaults.go SetDefaultValues (build.context: ".") then paths.ResolveRelativePaths',
    files: { 'compose.yaml': 'services:\n  web:\n    build:\n      dockerfile: Dockerfile.dev\n' },
    values: { 'services.web.build.context': '$DIR', 'services.web.build.dockerfile': 'Dockerfile.dev' },
  },
  {
    name: 'a build without context in an included project builds that project directory',
    follows: 'loader/include.go (loadYamlModel of the included project: defaults, then its paths)',
    files: { 'compose.yaml': 'include:\n  - sub/compose.yaml\n', 'sub/compose.yaml': 'services:\n  api:\n    build: {}\n' },
    values: { 'services.api.build.context': '$DIR/sub' },
  },
  {
    name: 'extends from other files resolves each build context in its own directory',
    follows: 'loader/loader_test.go TestLoadExtendsMultipleFiles',
    files: {
      'compose.yaml': 'services:\n  a:\n    extends:\n      file: ./a/compose.yaml\n      service: a\n  b:\n    extends:\n      file: ./b/compose.yaml\n      service: b\n',
      'a/compose.yaml': 'services:\n  a:\n    build: .\n',
      'b/compose.yaml': 'services:\n  b:\n    build:\n      context: .\n      target: fake\n',
    },
    values: { 'services.a.build.context': '$DIR/a', 'services.b.build.context': '$DIR/b' },
  },
  // ---- merge, reset, override
  {
    name: '!reset on one key of environment removes it',
    follows: 'loader/reset_test.go TestResetWithMultipleFiles / override/merge.go (reset of single entries)',
    files: {
      'compose.yaml': 'services:\n  web:\n    image: nginx\n    environment:\n      FOO: bar\n      KEEP: x\n',
      'override.yaml': 'services:\n  web:\n    environment:\n      FOO: !reset\n',
    },
    composeFiles: ['compose.yaml', 'override.yaml'],
    values: { 'services.web.environment': { KEEP: 'x' } },
  },
  {
    name: '!reset on a sequence empties it (extends)',
    follows: 'loader/loader_test.go TestLoadExtendsWihReset',
    files: { 'compose.yaml': 'services:\n  foo:\n    extends:\n      service: bar\n    volumes: !reset []\n  bar:\n    image: alpine\n    command: echo\n    volumes:\n      - .:/src\n' },
    absent: ['services.foo.volumes'],
  },
  {
    name: '!override replaces a sequence instead of appending',
    follows: 'loader/override_test.go TestOverridePorts',
    files: {
      'compose.yaml': 'services:\n  web:\n    image: nginx\n    ports: ["8080:80"]\n',
      'override.yaml': 'services:\n  web:\n    ports: !override\n      - "9090:80"\n',
    },
    composeFiles: ['compose.yaml', 'override.yaml'],
    values: { 'services.web.ports.0.published': '9090', 'services.web.ports.length': 1 },
  },
  {
    name: 'extends: the extending service\'s command wins, split into words',
    follows: 'loader/loader_test.go TestLoadExtendsOverrideCommand',
    files: { 'compose.yaml': 'services:\n  foo:\n    image: busybox\n    extends:\n      service: bar\n    command: "/bin/ash -c \\"rm -rf /tmp/might-not-exist\\""\n  bar:\n    image: alpine\n    command: "/bin/ash -c \\"echo Oh no...\\""\n' },
    values: { 'services.foo.command': ['/bin/ash', '-c', 'rm -rf /tmp/might-not-exist'], 'services.foo.image': 'busybox' },
  },
  {
    name: 'an override file may be partial (depends_on without condition)',
    follows: 'loader/loader.go loadYamlFile: schema.Validate on the merged dict',
    files: {
      'compose.yaml': 'services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: pg\n',
      'override.yaml': 'services:\n  web:\n    depends_on:\n      db:\n        restart: true\n',
    },
    composeFiles: ['compose.yaml', 'override.yaml'],
    // (transform/dependson.go gives each file's entry its default condition before the merge.)
    values: { 'services.web.depends_on.db.restart': true, 'services.web.depends_on.db.required': true },
  },
  {
    name: 'an override file may be empty',
    follows: 'loader/loader.go loadYamlFile (an empty document adds nothing)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n', 'empty.yaml': '' },
    composeFiles: ['compose.yaml', 'empty.yaml'],
    values: { 'services.web.image': 'nginx' },
  },
  {
    name: 'an extends source file is validated only for the service used',
    follows: 'loader/extends.go ApplyExtends (only the extended service is loaded)',
    files: {
      'compose.yaml': 'services:\n  web:\n    extends:\n      file: base.yaml\n      service: ok\n',
      'base.yaml': 'services:\n  ok:\n    image: nginx\n  broken:\n    image: 12\n    ports: "not a list"\n',
    },
    values: { 'services.web.image': 'nginx' },
  },
  // ---- include
  {
    name: 'the including file overrides an included service',
    follows: 'loader/include.go importResource (compose-go ≥ 2.10: MergeYaml)',
    files: {
      'compose.yaml': 'include:\n  - inc/compose.yaml\nservices:\n  db:\n    environment:\n      B: "3"\n',
      'inc/compose.yaml': 'services:\n  db:\n    image: postgres\n    environment:\n      A: "1"\n      B: "2"\n',
    },
    values: { 'services.db.image': 'postgres', 'services.db.environment': { A: '1', B: '3' } },
  },
  {
    name: 'include env_file reaches the included services',
    follows: 'loader/include_env_test.go / loader/environment.go ResolveEnvironment',
    files: {
      'compose.yaml': 'include:\n  - path: inc/compose.yaml\n    env_file: inc/inc.env\n',
      'inc/compose.yaml': 'services:\n  db:\n    image: ${DBIMG}\n    environment:\n      - FROMINC\n',
      'inc/inc.env': 'DBIMG=postgres\nFROMINC=yes\n',
    },
    values: { 'services.db.image': 'postgres', 'services.db.environment.FROMINC': 'yes' },
  },
  {
    name: 'nested extends in an included project is resolved against that project\'s directory',
    follows: 'loader/include.go (localResourceLoader of the included project_directory)',
    files: {
      'compose.yaml': 'include:\n  - path: files/inc.yaml\n    project_directory: proj\n',
      'files/inc.yaml': 'services:\n  app:\n    extends:\n      file: lib/base.yaml\n      service: b\n',
      'proj/lib/base.yaml': 'services:\n  b:\n    image: base\n',
    },
    values: { 'services.app.image': 'base' },
  },
  // ---- label_file, env_file, selection
  {
    name: 'label_file is read, labels win over it',
    follows: 'types/project.go WithServicesLabelsResolved',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    label_file: ./labels\n    labels:\n      b: "2"\n', labels: 'a=1\nb=1\n' },
    values: { 'services.web.labels': { a: '1', b: '2' } },
    absent: ['services.web.label_file'],
  },
  {
    name: 'config SERVICE reads only the selected services\' env files',
    follows: 'loader/loader.go WithSelectedServices (before WithServicesEnvironmentResolved)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n  other:\n    image: x\n    env_file: ./missing.env\n' },
    selectServices: ['web'],
    values: { 'services.web.image': 'nginx' },
    absent: ['services.other'],
  },
  {
    name: 'a missing env_file is an error when all services are loaded',
    follows: 'types/project.go WithServicesEnvironmentResolved (env file not found)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n  other:\n    image: x\n    env_file: ./missing.env\n' },
    error: /env file .*missing\.env not found/,
  },
  // ---- --no-normalize
  {
    name: '--no-normalize prints commands split and durations as Go prints them',
    follows: 'types/command.go ShellCommand, types/duration.go Duration.String (config --no-normalize)',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    command: httpd -f -p 8080\n    stop_grace_period: 90s\n' },
    normalize: false,
    values: { 'services.web.command': ['httpd', '-f', '-p', '8080'], 'services.web.stop_grace_period': '1m30s' },
    absent: ['services.web.networks', 'networks'],
  },
  // ---- consistency checks
  {
    name: 'two services with one container_name',
    follows: 'types/project.go CheckContainerNameUnicity',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    container_name: same\n  b:\n    image: x\n    container_name: same\n' },
    error: /^compose\.yaml:7:5: services\.b: container name "same" is already in use by service a: invalid compose project$/,
  },
  {
    name: 'container_name with more than one replica',
    follows: 'loader/validate.go checkConsistency (GetScale() > 1 && ContainerName)',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    container_name: one\n    deploy:\n      replicas: 2\n' },
    error: /^compose\.yaml:4:5: services\.deploy\.replicas: can't set container_name and a as container name must be unique: invalid compose project$/,
  },
  {
    name: 'distinct scale and deploy.replicas',
    follows: 'loader/validate.go checkConsistency (scale vs deploy.replicas)',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    scale: 2\n    deploy:\n      replicas: 3\n' },
    error: /services\.a: can't set distinct values on 'scale' and 'deploy\.replicas': invalid compose project/,
  },
  {
    name: 'a negative scale',
    follows: 'schema compose-spec.json (scale) / loader/validate.go',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    scale: -1\n' },
    error: /^compose\.yaml:4:5: services\.a\.scale must be greater than or equal to 0$/,
  },
  {
    name: 'a bind mount without source',
    follows: 'loader/loader_test.go TestLoadBindMountSourceMustNotBeEmpty',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        target: /app\n' },
    error: /invalid mount config for type "bind": field Source must not be empty/,
  },
  {
    name: 'a tmpfs and a volume on one target',
    follows: 'moby daemon/volumes (duplicate mount point), checked at load',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    tmpfs: /data\n    volumes:\n      - dat:/data\nvolumes:\n  dat: {}\n' },
    error: /^compose\.yaml:4:12: services\.a\.tmpfs\[0\]: duplicate mount point: \/data is also a volume target$/,
  },
  {
    name: 'an external volume with a driver',
    follows: 'loader/loader_test.go TestInvalidExternalAndDriverCombination',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\nvolumes:\n  external_volume:\n    external: true\n    driver: foobar\n' },
    error: /volumes\.external_volume: conflicting parameters "external" and "driver" specified/,
  },
  {
    name: 'an external volume with labels',
    follows: 'loader/loader_test.go TestInvalidExternalAndLabelsCombination',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\nvolumes:\n  external_volume:\n    external: true\n    labels:\n      - beep=boop\n' },
    error: /volumes\.external_volume: conflicting parameters "external" and "labels" specified/,
  },
  {
    name: 'a non-string key in environment',
    follows: 'loader/loader_test.go TestNonStringKeys',
    files: { 'compose.yaml': 'services:\n  dict-env:\n    image: busybox\n    environment:\n      1: FOO\n' },
    error: /^compose\.yaml:5:7: non-string key in services\.dict-env\.environment: 1$/,
  },
  {
    name: 'a non-string key at top level',
    follows: 'loader/loader_test.go TestNonStringKeys',
    files: { 'compose.yaml': '123:\n  foo:\n    image: busybox\n' },
    error: /non-string key at top level: 123/,
  },
  {
    name: 'a service refers to an undefined network',
    follows: 'loader/validate.go checkConsistency (undefined network)',
    files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    networks: [front]\n' },
    error: /service "a" refers to undefined network front: invalid compose project/,
  },
  {
    name: 'a service with neither image nor build',
    follows: 'loader/validate.go checkConsistency (neither an image nor a build context)',
    files: { 'compose.yaml': 'services:\n  a:\n    command: echo\n' },
    error: /service "a" has neither an image nor a build context specified: invalid compose project/,
  },
];
