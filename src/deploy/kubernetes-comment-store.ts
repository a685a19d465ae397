import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { labelKeys } from '../plan/labels.ts';
import type { CommentKey, CommentState, CommentStore, StoredComment } from '../ports.ts';
import { AppConfigMaps, recordLabel } from './kubernetes-config-maps.ts';

const unsentLabel = 'pr-preview.dev/unsent';
const waitingLabel = 'pr-preview.dev/waiting';
const repositoryAnnotation = 'pr-preview.dev/repository';

/**
 * Sticky comments' states as ConfigMaps of the app's namespace, one per
 * pull request. Labels say which owe GitHub a write and which wait for
 * checks, so a start or a reconcile pass finds them without reading all.
 */
export class KubernetesCommentStore implements CommentStore {
  private readonly records: AppConfigMaps;
  private readonly instance: string;

  constructor(kubeConfig: KubeConfig, options: { namespace: string; instance: string }) {
    this.records = new AppConfigMaps(kubeConfig, options);
    this.instance = options.instance;
  }

  async read(key: CommentKey): Promise<StoredComment | undefined> {
    return parse(await this.records.read(this.nameOf(key)));
  }

  async write(
    key: CommentKey,
    change: (current: StoredComment | undefined) => StoredComment | undefined,
  ): Promise<StoredComment | undefined> {
    let written: StoredComment | undefined;
    await this.records.update(this.nameOf(key), (current) => {
      written = change(parse(current));
      return written ? body(key, written) : undefined;
    });
    return written;
  }

  async unsent(): Promise<{ key: CommentKey; changedAt: number; failedSends: number }[]> {
    const items = await this.records.list(`${recordLabel}=comment,${unsentLabel}=true`);
    return items.flatMap((item) => {
      const key = keyOf(item);
      const changedAt = Number(item.data?.['changed-at'] ?? 0);
      const failedSends = Number(item.data?.['failed-sends'] ?? 0);
      return key ? [{ key, changedAt, failedSends }] : [];
    });
  }

  async waiting(): Promise<{ key: CommentKey; shas: string[] }[]> {
    const items = await this.records.list(`${recordLabel}=comment,${waitingLabel}=true`);
    return items.flatMap((item) => {
      const key = keyOf(item);
      const stored = parse(item);
      if (!key || !stored) return [];
      const shas = stored.state.rows.filter((r) => r.status === 'waiting').map((r) => r.sha);
      return [{ key, shas: [...new Set(shas)] }];
    });
  }

  async all(): Promise<{ key: CommentKey; stored: StoredComment }[]> {
    const items = await this.records.list(`${recordLabel}=comment`);
    return items.flatMap((item) => {
      const key = keyOf(item);
      const stored = parse(item);
      return key && stored ? [{ key, stored }] : [];
    });
  }

  async forget(key: CommentKey): Promise<void> {
    await this.records.delete(this.nameOf(key));
  }

  private nameOf(key: CommentKey): string {
    return `pr-preview-${this.instance}-comment-${key.repositoryId}-${key.number}`;
  }
}

function body(key: CommentKey, stored: StoredComment) {
  return {
    labels: {
      [recordLabel]: 'comment',
      [labelKeys.repositoryId]: String(key.repositoryId),
      [labelKeys.pullRequest]: String(key.number),
      [labelKeys.installationId]: String(key.installationId),
      [unsentLabel]: String(stored.unsent),
      [waitingLabel]: String(stored.state.rows.some((r) => r.status === 'waiting')),
    },
    annotations: { [repositoryAnnotation]: `${key.owner}/${key.repo}` },
    data: {
      state: JSON.stringify(stored.state),
      ...(stored.commentId !== undefined ? { 'comment-id': String(stored.commentId) } : {}),
      ...(stored.sentDigest ? { 'sent-digest': stored.sentDigest } : {}),
      ...(stored.sendingBy ? { 'sending-by': stored.sendingBy } : {}),
      ...(stored.sendingUntil ? { 'sending-until': String(stored.sendingUntil) } : {}),
      ...(stored.failedSends ? { 'failed-sends': String(stored.failedSends) } : {}),
      ...(stored.closed ? { closed: 'true' } : {}),
      'changed-at': String(Date.now()),
    },
  };
}

function parse(item: V1ConfigMap | undefined): StoredComment | undefined {
  if (!item?.data?.state) return undefined;
  let state: CommentState;
  try {
    state = JSON.parse(item.data.state) as CommentState;
  } catch {
    return undefined;
  }
  if (!Array.isArray(state.rows)) return undefined;
  const data = item.data;
  const commentId = Number(data['comment-id']);
  const sendingUntil = Number(data['sending-until'] ?? 0);
  const failedSends = Number(data['failed-sends'] ?? 0);
  return {
    state,
    ...(Number.isInteger(commentId) && commentId > 0 ? { commentId } : {}),
    ...(data['sent-digest'] ? { sentDigest: data['sent-digest'] } : {}),
    unsent: item.metadata?.labels?.[unsentLabel] === 'true',
    ...(data['sending-by'] ? { sendingBy: data['sending-by'] } : {}),
    ...(sendingUntil > 0 ? { sendingUntil } : {}),
    ...(failedSends > 0 ? { failedSends } : {}),
    ...(data.closed === 'true' ? { closed: true } : {}),
  };
}

function keyOf(item: V1ConfigMap): CommentKey | undefined {
  const labels = item.metadata?.labels ?? {};
  const [owner, repo] = (item.metadata?.annotations?.[repositoryAnnotation] ?? '').split('/');
  const key = {
    repositoryId: Number(labels[labelKeys.repositoryId]),
    number: Number(labels[labelKeys.pullRequest]),
    installationId: Number(labels[labelKeys.installationId]),
    owner: owner ?? '',
    repo: repo ?? '',
  };
  return key.repositoryId > 0 && key.number > 0 && key.owner && key.repo ? key : undefined;
}
