// Bun imports .sql files as text (`with { type: "text" }`); this keeps tsc informed.
declare module "*.sql" {
  const text: string;
  export default text;
}
