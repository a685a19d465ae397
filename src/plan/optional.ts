/**
 * `{ [key]: value }` when there is a value, else `{}`: spread into an object
 * literal, it leaves absent (and empty) fields out rather than `undefined`,
 * as `exactOptionalPropertyTypes` wants.
 */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined || value === '' ? {} : { [key]: value }) as { [P in K]?: V };
}
