/** The URI of a building's resource, `eaio://buildings/{id}`. */
export const buildingUri = (buildingId: string): string =>
  `eaio://buildings/${encodeURIComponent(buildingId)}`;

/** The URI of a meter's latest-reading resource, `eaio://meters/{id}/latest`. */
export const meterLatestUri = (meterId: string): string =>
  `eaio://meters/${encodeURIComponent(meterId)}/latest`;

const BUILDING_URI = /^eaio:\/\/buildings\/([^/?#]+)$/;
const METER_URI = /^eaio:\/\/meters\/[^/?#]+\/latest$/;

/** The building id of a building resource URI, or undefined for any other URI. */
export function buildingIdOfUri(uri: string): string | undefined {
  const match = BUILDING_URI.exec(uri);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

/** Whether `uri` names a meter's latest-reading resource. */
export const isMeterUri = (uri: string): boolean => METER_URI.test(uri);
