/**
 * Remembers what `make` made from the last key: datums in a row share their metric name, timestamp and unit, so the
 * text or bytes made from them are made once per run of datums, not once per datum.
 */
export function lastOf<K, V>(make: (key: K) => V): (key: K) => V {
  let lastKey: K | undefined;
  let made = false;
  let last: V | undefined;
  return (key) => {
    if (!made || key !== lastKey) {
      lastKey = key;
      last = make(key);
      made = true;
    }
    return last as V;
  };
}
