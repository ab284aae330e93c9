// Data-center regions traffic is stamped with (lld-backend.md §6.2), with coordinates for the globe.
// Ids follow the cloud providers' names; a region id the catalogue does not know has no coordinates.

export interface Region {
  id: string;
  name: string;
  lat: number;
  lng: number;
}

export const REGIONS: readonly Region[] = [
  { id: "us-east-1", name: "Virginia", lat: 38.95, lng: -77.45 },
  { id: "us-west-2", name: "Oregon", lat: 45.84, lng: -119.7 },
  { id: "eu-central-1", name: "Frankfurt", lat: 50.11, lng: 8.68 },
  { id: "eu-west-1", name: "Dublin", lat: 53.35, lng: -6.26 },
  { id: "ap-northeast-1", name: "Tokyo", lat: 35.68, lng: 139.69 },
  { id: "ap-southeast-1", name: "Singapore", lat: 1.35, lng: 103.82 },
  { id: "sa-east-1", name: "São Paulo", lat: -23.55, lng: -46.63 },
  { id: "ap-southeast-2", name: "Sydney", lat: -33.87, lng: 151.21 },
  { id: "ap-south-1", name: "Mumbai", lat: 19.08, lng: 72.88 },
];

const byId = new Map(REGIONS.map((r) => [r.id, r]));

export const regionOf = (id: string | null | undefined): Region | undefined => (id ? byId.get(id) : undefined);
