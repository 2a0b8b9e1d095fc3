declare module 'mcc-mnc-list' {
  const list: { all(): unknown[] };
  export default list;
}
