import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../src/cli/arguments.ts';

const base = ['render', '--pr', '241', '--sha', 'abc123'];

describe('parseInvocation', () => {
  it.each([
    [['--help']],
    [['-h']],
    [['help']],
    [['render', '--help']],
    [['render', '-h']],
    [['render', '--pr', 'nope', '--help']],
  ])('asks for the usage with %j', (argv) => {
    expect(parseInvocation(argv)).toEqual({ action: 'help' });
  });

  it.each([[['--version']], [['render', '--version']]])('asks for the versions with %j', (argv) => {
    expect(parseInvocation(argv)).toEqual({ action: 'version' });
  });

  it('reads a render with every option', () => {
    expect(
      parseInvocation([
        ...base,
        '--tenant',
        'FR',
        '--repo-dir',
        '../shop',
        '--repository',
        'acme/shop',
        '--upgrade',
        '--kube-version',
        '1.31',
        '--api-versions',
        'monitoring.coreos.com/v1/ServiceMonitor, batch/v1',
        '--api-versions',
        'v1/Pod',
      ]),
    ).toEqual({
      action: 'render',
      render: {
        repoDir: '../shop',
        pr: 241,
        sha: 'abc123',
        tenant: 'FR',
        repository: 'acme/shop',
        upgrade: true,
        kubeVersion: 'v1.31',
        apiVersions: ['monitoring.coreos.com/v1/ServiceMonitor', 'batch/v1', 'v1/Pod'],
      },
    });
    expect(parseInvocation(base)).toEqual({
      action: 'render',
      render: { repoDir: '.', pr: 241, sha: 'abc123', upgrade: false },
    });
    expect(parseInvocation([...base, '--kubeconfig', 'k.yaml'])).toMatchObject({
      render: { kubeconfig: 'k.yaml' },
    });
  });

  it.each([
    [[], 'say what to do: render'],
    [['deploy'], 'unknown command `deploy`; the command is render'],
    [['--verbose'], 'unknown option `--verbose`'],
    [[...base, '--verbose'], 'unknown option `--verbose`'],
    [[...base, '-x'], 'unknown option `-x`'],
    [
      [...base, 'extra'],
      'unexpected argument `extra`; every value follows its option, such as --pr 241',
    ],
    [['render', '--sha', 'abc123', '--pr'], '--pr needs a value'],
    [['render', '--pr', '--sha', 'abc123'], '--pr needs a value'],
    [[...base, '--upgrade=yes'], '--upgrade takes no value'],
    [['render', '--sha', 'abc123'], '--pr is required: the pull request number'],
    [['render', '--pr', '241'], '--sha is required: the commit, as hex'],
    [['render', '--pr', '0', '--sha', 'abc123'], '--pr takes a pull request number, got `0`'],
    [['render', '--pr', '12a', '--sha', 'abc123'], '--pr takes a pull request number, got `12a`'],
    [['render', '--pr', '-3', '--sha', 'abc123'], '--pr needs a value'],
    [['render', '--pr', '1', '--sha', 'main'], '--sha takes a commit in hex, got `main`'],
    [[...base, '--repository', 'shop'], '--repository takes owner/name, got `shop`'],
    [
      [...base, '--kube-version', 'latest'],
      '--kube-version takes a Kubernetes version such as v1.31.2 or 1.31, got `latest`',
    ],
    [
      [...base, '--kube-version', '1'],
      '--kube-version takes a Kubernetes version such as v1.31.2 or 1.31, got `1`',
    ],
    [
      [...base, '--api-versions', 'monitoring.coreos.com,v1'],
      '--api-versions takes group/version or group/version/Kind, such as monitoring.coreos.com/v1/ServiceMonitor; got `monitoring.coreos.com`',
    ],
    [
      [...base, '--kubeconfig', 'k.yaml', '--kube-version', 'v1.30.0'],
      '--kubeconfig reads the version and APIs from the cluster; leave out --kube-version and --api-versions',
    ],
    [
      ['render', '--pr', 'x', '--sha', 'y'],
      '--pr takes a pull request number, got `x`\n--sha takes a commit in hex, got `y`',
    ],
  ])('refuses %j: %s', (argv, problem) => {
    expect(parseInvocation(argv)).toEqual({ action: 'refuse', problem });
  });

  it.each(['v1.31.2', '1.31.2', 'v1.30', 'v1.30.1-gke.100', 'v1.30.1+k3s1'])(
    'takes the Kubernetes version %s, as helm does',
    (version) => {
      expect(parseInvocation([...base, '--kube-version', version])).toMatchObject({
        action: 'render',
        render: { kubeVersion: version.startsWith('v') ? version : `v${version}` },
      });
    },
  );
});
