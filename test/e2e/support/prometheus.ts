import { inject } from 'vitest';

/** One series of an instant vector: its labels and its value. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

interface QueryAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

/**
 * An instant query to the bed's Prometheus (`/api/v1/query`), as the app asks a
 * cluster's: the series it answers, their values as numbers. A query that is
 * not a vector, or that Prometheus refuses, fails with Prometheus' reason.
 */
export async function instantQuery(query: string): Promise<Sample[]> {
  const url = new URL('/api/v1/query', inject('prometheusUrl'));
  url.searchParams.set('query', query);
  const answer = (await (await fetch(url)).json()) as QueryAnswer;
  if (answer.status !== 'success' || answer.data?.resultType !== 'vector') {
    throw new Error(`Prometheus answered ${query} with ${answer.error ?? JSON.stringify(answer)}`);
  }
  return answer.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
}
