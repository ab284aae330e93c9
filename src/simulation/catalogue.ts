// The simulated vendors' marketplace: what `npm run dev` can search for in its first minute.
// Each entry becomes a service through the registry's own registration verb (the body of
// POST /v1/vendor/endpoints), so it is validated, indexed and searched like a real vendor's.
// Prices are per call, in atomic units of USDC (1 USDC = 1,000,000).

export interface CatalogueEntry {
  id: string;
  name: string;
  service_type: string;
  description: string;
  price_atomic: string;
  /** The gateway route the service answers on (the gateway URL's path). */
  route: string;
  tools: McpTool[];
}

interface McpTool {
  name: string;
  description: string;
  inputSchema: { type: "object"; properties: Record<string, Record<string, unknown>>; required: string[] };
}

const str = (description: string) => ({ type: "string", description });
const num = (description: string, extra: Record<string, unknown> = {}) => ({ type: "number", description, ...extra });
const tool = (name: string, description: string, properties: Record<string, Record<string, unknown>>, required: string[] = Object.keys(properties).slice(0, 1)): McpTool => ({
  name,
  description,
  inputSchema: { type: "object", properties, required },
});

const chat = (name: string) =>
  tool(name, "Send a conversation and get the model's reply", {
    messages: { type: "array", description: "The conversation: [{role, content}]", items: { type: "object" } },
    max_tokens: num("Upper bound on the reply's length", { minimum: 1 }),
    temperature: num("Sampling temperature, 0 to 2", { minimum: 0, maximum: 2 }),
  });

const llm = (id: string, name: string, description: string, price: number): CatalogueEntry => ({
  id,
  name,
  service_type: "inference-llm",
  description,
  price_atomic: String(price),
  route: "/v1/chat/completions",
  tools: [chat("chat")],
});

export const CATALOGUE: CatalogueEntry[] = [
  llm("sim-llama3-70b-chat", "Llama 3 70B Chat", "Open-weights 70B chat model: strong reasoning, long answers, code review and summaries of long documents.", 12_000),
  llm("sim-llama3-8b-fast", "Llama 3 8B Fast", "Small, fast and cheap chat model for classification, extraction and short summaries at high volume.", 1_500),
  llm("sim-mixtral-8x7b", "Mixtral 8x7B Instruct", "Mixture-of-experts instruction model, good multilingual answers (French, German, Spanish, Italian).", 6_000),
  llm("sim-qwen-coder-32b", "Qwen 2.5 Coder 32B", "Code generation and repair model: writes functions, unit tests and fixes compiler errors in 40 languages.", 9_000),
  llm("sim-reasoner-large", "Deep Reasoner Large", "Slow, careful reasoning model for maths, planning and multi-step agent tasks; shows its steps.", 40_000),
  {
    ...llm("sim-summarizer-legal", "Legal Summarizer", "Summarises contracts and court decisions into obligations, dates, parties and risks.", 15_000),
    tools: [tool("summarize_document", "Summarise a legal document", { text: str("The document's text"), focus: str("What to look for, e.g. termination clauses") })],
  },
  {
    id: "sim-sdxl-image",
    name: "SDXL Image Generation",
    service_type: "image-generation",
    description: "Text-to-image with Stable Diffusion XL: 1024x1024 pictures, photographs, illustrations and product shots.",
    price_atomic: "20000",
    route: "/v1/images/generations",
    tools: [tool("generate_image", "Draw an image from a prompt", { prompt: str("What to draw"), size: { type: "string", enum: ["512x512", "1024x1024"], description: "Image size" } })],
  },
  {
    id: "sim-logo-designer",
    name: "Logo Designer",
    service_type: "image-generation",
    description: "Vector-style logos and icons from a brand name and a few words of style; transparent PNG or SVG.",
    price_atomic: "35000",
    route: "/v1/images/generations",
    tools: [tool("design_logo", "Design a logo", { brand: str("The brand name"), style: str("e.g. minimal, geometric, playful") })],
  },
  {
    id: "sim-image-upscaler",
    name: "Image Upscaler 4x",
    service_type: "image-generation",
    description: "Upscales photographs and renders 4x with detail restoration; removes JPEG artefacts.",
    price_atomic: "8000",
    route: "/v1/images/upscale",
    tools: [tool("upscale_image", "Upscale an image", { image_url: str("URL of the image"), factor: num("2 or 4", { enum: [2, 4] }) })],
  },
  {
    id: "sim-web-search",
    name: "Web Search",
    service_type: "web-search",
    description: "Live web search: ranked results with titles, snippets and URLs, fresh news within minutes.",
    price_atomic: "3000",
    route: "/v1/search",
    tools: [tool("search_web", "Search the web", { query: str("What to search for"), count: num("Number of results, 1 to 20", { minimum: 1, maximum: 20 }) })],
  },
  {
    id: "sim-news-search",
    name: "News Search",
    service_type: "web-search",
    description: "Searches news articles from thousands of publishers by topic, company or person, with publication dates.",
    price_atomic: "4000",
    route: "/v1/news",
    tools: [tool("search_news", "Find recent news", { query: str("Topic, company or person"), since: str("ISO date: only articles after it") })],
  },
  {
    id: "sim-academic-search",
    name: "Scholar Search",
    service_type: "web-search",
    description: "Searches scientific papers and preprints: abstracts, authors, citations and PDF links.",
    price_atomic: "5000",
    route: "/v1/papers",
    tools: [tool("search_papers", "Find scientific papers", { query: str("Research question or keywords"), year_from: num("Earliest publication year") })],
  },
  {
    id: "sim-page-reader",
    name: "Page Reader",
    service_type: "web-search",
    description: "Fetches a web page and returns its main text as clean Markdown, without menus or adverts.",
    price_atomic: "2000",
    route: "/v1/read",
    tools: [tool("read_page", "Read a web page as Markdown", { url: str("The page's URL") })],
  },
  {
    id: "sim-text-embeddings",
    name: "Text Embeddings 1536",
    service_type: "embeddings",
    description: "Dense text embeddings (1536 dimensions) for semantic search, clustering and retrieval-augmented generation.",
    price_atomic: "500",
    route: "/v1/embeddings",
    tools: [tool("embed_texts", "Embed texts as vectors", { texts: { type: "array", items: { type: "string" }, description: "Texts to embed" } })],
  },
  {
    id: "sim-multilingual-embeddings",
    name: "Multilingual Embeddings",
    service_type: "embeddings",
    description: "Embeddings for 100 languages in one vector space: cross-language search and deduplication.",
    price_atomic: "800",
    route: "/v1/embeddings",
    tools: [tool("embed_texts", "Embed texts in any language", { texts: { type: "array", items: { type: "string" }, description: "Texts to embed" } })],
  },
  {
    id: "sim-reranker",
    name: "Search Reranker",
    service_type: "embeddings",
    description: "Reorders search results by relevance to a query with a cross-encoder; improves retrieval precision.",
    price_atomic: "1000",
    route: "/v1/rerank",
    tools: [tool("rerank", "Rank documents by relevance", { query: str("The query"), documents: { type: "array", items: { type: "string" }, description: "Candidates" } }, ["query", "documents"])],
  },
  {
    id: "sim-whisper-transcribe",
    name: "Whisper Transcription",
    service_type: "speech-to-text",
    description: "Transcribes audio and video files to text with timestamps in 90 languages; meeting notes and podcasts.",
    price_atomic: "6000",
    route: "/v1/audio/transcriptions",
    tools: [tool("transcribe", "Transcribe an audio file", { audio_url: str("URL of the audio file"), language: str("ISO 639-1 code; detected when absent") })],
  },
  {
    id: "sim-call-diarization",
    name: "Call Diarization",
    service_type: "speech-to-text",
    description: "Splits a phone call or meeting recording by speaker and transcribes each turn.",
    price_atomic: "9000",
    route: "/v1/audio/diarize",
    tools: [tool("diarize", "Who said what in a recording", { audio_url: str("URL of the recording"), speakers: num("Expected number of speakers") })],
  },
  {
    id: "sim-voice-tts",
    name: "Natural Voice TTS",
    service_type: "text-to-speech",
    description: "Text-to-speech with natural voices in 30 languages; MP3 or WAV, for narration and voice agents.",
    price_atomic: "4000",
    route: "/v1/audio/speech",
    tools: [tool("speak", "Read text aloud", { text: str("What to say"), voice: str("Voice name, e.g. alloy") })],
  },
  {
    id: "sim-python-sandbox",
    name: "Python Sandbox",
    service_type: "code-execution",
    description: "Runs Python 3.12 in an isolated sandbox with numpy and pandas; returns stdout, files and plots.",
    price_atomic: "2500",
    route: "/v1/execute",
    tools: [tool("run_python", "Run Python code", { code: str("The program"), timeout_s: num("Time limit in seconds", { maximum: 60 }) })],
  },
  {
    id: "sim-js-sandbox",
    name: "JavaScript Sandbox",
    service_type: "code-execution",
    description: "Runs JavaScript or TypeScript in a fresh isolate; npm packages allowed, no network.",
    price_atomic: "2000",
    route: "/v1/execute",
    tools: [tool("run_javascript", "Run JavaScript code", { code: str("The program") })],
  },
  {
    id: "sim-sql-runner",
    name: "SQL Playground",
    service_type: "code-execution",
    description: "Loads CSV files into a temporary PostgreSQL database and runs SQL queries over them.",
    price_atomic: "3500",
    route: "/v1/sql",
    tools: [tool("run_sql", "Query CSV data with SQL", { query: str("The SQL query"), csv_urls: { type: "array", items: { type: "string" }, description: "Tables to load" } })],
  },
  {
    id: "sim-translate",
    name: "Neural Translation",
    service_type: "translation",
    description: "Translates text between 120 languages, keeping formatting and Markdown; formal or informal tone.",
    price_atomic: "2000",
    route: "/v1/translate",
    tools: [tool("translate", "Translate text", { text: str("Text to translate"), target: str("Target language code, e.g. de") }, ["text", "target"])],
  },
  {
    id: "sim-document-ocr",
    name: "Document OCR",
    service_type: "document-extraction",
    description: "Extracts text and tables from scanned PDFs, invoices and receipts (OCR), as JSON fields.",
    price_atomic: "7000",
    route: "/v1/ocr",
    tools: [tool("extract_document", "Read a scanned document", { document_url: str("URL of the PDF or image") })],
  },
  {
    id: "sim-invoice-parser",
    name: "Invoice Parser",
    service_type: "document-extraction",
    description: "Reads an invoice and returns vendor, dates, line items, VAT and totals; for bookkeeping agents.",
    price_atomic: "10000",
    route: "/v1/invoices",
    tools: [tool("parse_invoice", "Extract an invoice's fields", { document_url: str("URL of the invoice") })],
  },
  {
    id: "sim-weather",
    name: "Weather Forecast",
    service_type: "data-api",
    description: "Current weather and 14-day forecasts for any place: temperature, rain, wind, by the hour.",
    price_atomic: "1000",
    route: "/v1/weather",
    tools: [tool("forecast", "Weather at a place", { place: str("City or 'lat,lng'"), days: num("Days ahead, 1 to 14", { minimum: 1, maximum: 14 }) })],
  },
  {
    id: "sim-geocoder",
    name: "Geocoder",
    service_type: "data-api",
    description: "Turns addresses into coordinates and back; places, postcodes and time zones worldwide.",
    price_atomic: "1500",
    route: "/v1/geocode",
    tools: [tool("geocode", "Coordinates of an address", { address: str("The address") })],
  },
  {
    id: "sim-fx-rates",
    name: "FX and Crypto Prices",
    service_type: "data-api",
    description: "Exchange rates for 170 currencies and crypto prices (SOL, BTC, ETH, USDC), live and historical.",
    price_atomic: "800",
    route: "/v1/rates",
    tools: [tool("price", "Price of a currency pair", { pair: str("e.g. SOL/USD"), date: str("ISO date; today when absent") })],
  },
  {
    id: "sim-company-lookup",
    name: "Company Lookup",
    service_type: "data-api",
    description: "Company registry data: legal name, address, directors and filings, by name or registration number.",
    price_atomic: "12000",
    route: "/v1/companies",
    tools: [tool("lookup_company", "Find a company", { query: str("Name or registration number"), country: str("ISO country code") })],
  },
  {
    id: "sim-sentiment",
    name: "Sentiment and Moderation",
    service_type: "text-analysis",
    description: "Scores text for sentiment, toxicity and spam; flags personal data before it is stored.",
    price_atomic: "700",
    route: "/v1/moderate",
    tools: [tool("moderate", "Score a text", { text: str("The text") })],
  },
  {
    id: "sim-email-verify",
    name: "Email Verification",
    service_type: "data-api",
    description: "Checks whether an email address exists and accepts mail (syntax, domain, mailbox), without sending.",
    price_atomic: "600",
    route: "/v1/verify-email",
    tools: [tool("verify_email", "Check an email address", { email: str("The address") })],
  },
];
