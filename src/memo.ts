// One-entry memo for values derived from configuration (an encrypt key, a verification token): the same
// argument arrives with every push, so the derived value is computed once and again only if it changes.

/** `compute`, remembering its last argument and result. */
export function rememberLast<A, R>(compute: (arg: A) => R): (arg: A) => R {
  let last: { arg: A; value: R } | undefined;
  return (arg) => {
    if (last === undefined || last.arg !== arg) last = { arg, value: compute(arg) };
    return last.value;
  };
}
