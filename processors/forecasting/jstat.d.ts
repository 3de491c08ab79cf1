// jstat ships no types; this declares the one function the forecasting core uses.
declare module 'jstat' {
  interface JStat {
    readonly studentt: {
      /** The p-quantile of Student's t distribution with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  }
  const jStat: JStat;
  export = jStat;
}
