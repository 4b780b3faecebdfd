// plotly.js-dist-min ships no types; src/plotly.ts gives the calls used their types.
declare module 'plotly.js-dist-min';
