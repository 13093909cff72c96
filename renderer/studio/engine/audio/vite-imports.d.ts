// vite's `?worker&url` import: the URL of the module bundled as a worker (here, the mixer's AudioWorklet module).
declare module '*?worker&url' {
  const url: string;
  export default url;
}
