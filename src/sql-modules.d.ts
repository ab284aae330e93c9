// Bun imports .sql files as text (`with { type: "text" }`); this keeps tsc informed.
declare module "*.sql" {
  const text: string;
  export default text;
}

// Browser scripts served by the console are embedded as text the same way.
declare module "*.js" {
  const text: string;
  export default text;
}

// Stylesheets imported `with { type: "text" }` (uPlot's, served by the console).
declare module "*.css" {
  const text: string;
  export default text;
}
