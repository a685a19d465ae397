import { parseArgs } from 'node:util';

/** What `pr-preview render` was asked to do, its arguments checked for form. */
export interface RenderArguments {
  repoDir: string;
  pr: number;
  sha: string;
  tenant?: string;
  repository?: string;
  upgrade: boolean;
  kubeconfig?: string;
  kubeVersion?: string;
  apiVersions?: string[];
}

/** A command line, understood: what to do, or why it cannot be done. */
export type Invocation =
  | { action: 'help' }
  | { action: 'version' }
  | { action: 'render'; render: RenderArguments }
  | { action: 'refuse'; problem: string };

const renderOptions = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'repo-dir': { type: 'string' },
  pr: { type: 'string' },
  sha: { type: 'string' },
  tenant: { type: 'string' },
  repository: { type: 'string' },
  upgrade: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  'kube-version': { type: 'string' },
  'api-versions': { type: 'string', multiple: true },
} as const;

/** As helm's --kube-version reads it (semver, the patch optional), with or without a v. */
const kubeVersionPattern = /^v?\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** `version`, `group/version` or either with `/Kind`, as .Capabilities.APIVersions.Has takes them. */
const apiVersionPattern =
  /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\/)?v\d+((alpha|beta)\d+)?(\/[A-Z][A-Za-z0-9]*)?$/;

/**
 * Reads `pr-preview <command> ...`. Only the form is checked here (numbers,
 * hex, versions); what needs the disk or the cluster is checked after.
 */
export function parseInvocation(argv: string[]): Invocation {
  const [command, ...rest] = argv;
  if (command === undefined) return { action: 'refuse', problem: 'say what to do: render' };
  if (command === '--help' || command === '-h' || command === 'help') return { action: 'help' };
  if (command === '--version') return { action: 'version' };
  if (command !== 'render') {
    return {
      action: 'refuse',
      problem: command.startsWith('-')
        ? `unknown option \`${command}\``
        : `unknown command \`${command}\`; the command is render`,
    };
  }
  let values: ReturnType<typeof parseRender>;
  try {
    values = parseRender(rest);
  } catch (error) {
    return { action: 'refuse', problem: describeParseError(error) };
  }
  if (values.help) return { action: 'help' };
  if (values.version) return { action: 'version' };
  return renderArguments(values);
}

function parseRender(args: string[]) {
  return parseArgs({ args, options: renderOptions, strict: true, allowPositionals: false }).values;
}

function renderArguments(values: ReturnType<typeof parseRender>): Invocation {
  const problems: string[] = [];
  const { pr, sha } = values;
  if (pr === undefined) problems.push('--pr is required: the pull request number');
  else if (!/^[1-9]\d*$/.test(pr)) problems.push(`--pr takes a pull request number, got \`${pr}\``);
  if (sha === undefined) problems.push('--sha is required: the commit, as hex');
  else if (!/^[0-9a-f]{4,40}$/i.test(sha))
    problems.push(`--sha takes a commit in hex, got \`${sha}\``);
  const repository = values.repository;
  if (repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    problems.push(`--repository takes owner/name, got \`${repository}\``);
  }
  const kubeVersion = values['kube-version'];
  if (kubeVersion !== undefined && !kubeVersionPattern.test(kubeVersion)) {
    problems.push(
      `--kube-version takes a Kubernetes version such as v1.31.2 or 1.31, got \`${kubeVersion}\``,
    );
  }
  const apiVersions = (values['api-versions'] ?? []).flatMap((list) =>
    list
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
  const badApis = apiVersions.filter((api) => !apiVersionPattern.test(api));
  if (badApis.length > 0) {
    problems.push(
      `--api-versions takes group/version or group/version/Kind, such as monitoring.coreos.com/v1/ServiceMonitor; got \`${badApis.join('`, `')}\``,
    );
  }
  if (values.kubeconfig !== undefined && (kubeVersion !== undefined || apiVersions.length > 0)) {
    problems.push(
      '--kubeconfig reads the version and APIs from the cluster; leave out --kube-version and --api-versions',
    );
  }
  if (problems.length > 0) return { action: 'refuse', problem: problems.join('\n') };
  return {
    action: 'render',
    render: {
      repoDir: values['repo-dir'] ?? '.',
      pr: Number(pr),
      sha: sha as string,
      upgrade: values.upgrade === true,
      ...(values.tenant ? { tenant: values.tenant } : {}),
      ...(repository ? { repository } : {}),
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(kubeVersion
        ? { kubeVersion: kubeVersion.startsWith('v') ? kubeVersion : `v${kubeVersion}` }
        : {}),
      ...(apiVersions.length > 0 ? { apiVersions } : {}),
    },
  };
}

/** parseArgs' errors, said the way the rest of the command speaks. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option \`${option ?? message}\``;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument \`${/'([^']*)'/.exec(message)?.[1] ?? message}\`; every value follows its option, such as --pr 241`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option && /argument missing|ambiguous/.test(message)
        ? `${option} needs a value`
        : option
          ? `${option} takes no value`
          : message;
    default:
      return message;
  }
}
