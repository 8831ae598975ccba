// the whole NiiVue API as the global 'niivue' (esbuild --format=iife --global-name=niivue)
export * from '@niivue/niivue';
