"""US postal areas (a few hundred) in the five sales regions, with plausible coordinates."""

from __future__ import annotations

import numpy as np

# city, state, region, base ZIP, latitude, longitude, relative population
CITIES: tuple[tuple[str, str, str, int, float, float, float], ...] = (
    ("New York", "NY", "northeast", 10001, 40.71, -74.01, 8.4),
    ("Buffalo", "NY", "northeast", 14201, 42.89, -78.88, 0.6),
    ("Boston", "MA", "northeast", 2108, 42.36, -71.06, 2.0),
    ("Worcester", "MA", "northeast", 1601, 42.26, -71.80, 0.4),
    ("Philadelphia", "PA", "northeast", 19102, 39.95, -75.17, 2.5),
    ("Pittsburgh", "PA", "northeast", 15222, 40.44, -80.00, 0.8),
    ("Newark", "NJ", "northeast", 7102, 40.74, -74.17, 0.9),
    ("Hartford", "CT", "northeast", 6103, 41.76, -72.68, 0.5),
    ("Providence", "RI", "northeast", 2903, 41.82, -71.41, 0.4),
    ("Portland", "ME", "northeast", 4101, 43.66, -70.26, 0.2),
    ("Burlington", "VT", "northeast", 5401, 44.48, -73.21, 0.1),
    ("Manchester", "NH", "northeast", 3101, 42.99, -71.46, 0.2),
    ("Miami", "FL", "southeast", 33130, 25.76, -80.19, 2.0),
    ("Orlando", "FL", "southeast", 32801, 28.54, -81.38, 1.2),
    ("Tampa", "FL", "southeast", 33602, 27.95, -82.46, 1.2),
    ("Jacksonville", "FL", "southeast", 32202, 30.33, -81.66, 1.0),
    ("Atlanta", "GA", "southeast", 30303, 33.75, -84.39, 2.2),
    ("Charlotte", "NC", "southeast", 28202, 35.23, -80.84, 1.1),
    ("Raleigh", "NC", "southeast", 27601, 35.78, -78.64, 0.8),
    ("Charleston", "SC", "southeast", 29401, 32.78, -79.93, 0.4),
    ("Richmond", "VA", "southeast", 23219, 37.54, -77.44, 0.6),
    ("Nashville", "TN", "southeast", 37203, 36.16, -86.78, 1.1),
    ("Memphis", "TN", "southeast", 38103, 35.15, -90.05, 0.7),
    ("Birmingham", "AL", "southeast", 35203, 33.52, -86.80, 0.5),
    ("Louisville", "KY", "southeast", 40202, 38.25, -85.76, 0.6),
    ("New Orleans", "LA", "southeast", 70112, 29.95, -90.07, 0.6),
    ("Chicago", "IL", "midwest", 60601, 41.88, -87.63, 4.0),
    ("Columbus", "OH", "midwest", 43215, 39.96, -83.00, 1.1),
    ("Cleveland", "OH", "midwest", 44114, 41.50, -81.69, 0.8),
    ("Cincinnati", "OH", "midwest", 45202, 39.10, -84.51, 0.7),
    ("Detroit", "MI", "midwest", 48226, 42.33, -83.05, 1.2),
    ("Grand Rapids", "MI", "midwest", 49503, 42.96, -85.67, 0.4),
    ("Indianapolis", "IN", "midwest", 46204, 39.77, -86.16, 1.0),
    ("Milwaukee", "WI", "midwest", 53202, 43.04, -87.91, 0.7),
    ("Minneapolis", "MN", "midwest", 55401, 44.98, -93.27, 1.2),
    ("Kansas City", "MO", "midwest", 64105, 39.10, -94.58, 0.8),
    ("St. Louis", "MO", "midwest", 63101, 38.63, -90.20, 0.8),
    ("Des Moines", "IA", "midwest", 50309, 41.59, -93.62, 0.3),
    ("Omaha", "NE", "midwest", 68102, 41.26, -95.93, 0.4),
    ("Wichita", "KS", "midwest", 67202, 37.69, -97.34, 0.3),
    ("Houston", "TX", "southwest", 77002, 29.76, -95.37, 3.0),
    ("Dallas", "TX", "southwest", 75201, 32.78, -96.80, 2.6),
    ("Austin", "TX", "southwest", 78701, 30.27, -97.74, 1.5),
    ("San Antonio", "TX", "southwest", 78205, 29.42, -98.49, 1.4),
    ("El Paso", "TX", "southwest", 79901, 31.76, -106.49, 0.5),
    ("Phoenix", "AZ", "southwest", 85003, 33.45, -112.07, 2.2),
    ("Tucson", "AZ", "southwest", 85701, 32.22, -110.97, 0.6),
    ("Albuquerque", "NM", "southwest", 87102, 35.08, -106.65, 0.5),
    ("Oklahoma City", "OK", "southwest", 73102, 35.47, -97.52, 0.6),
    ("Tulsa", "OK", "southwest", 74103, 36.15, -95.99, 0.4),
    ("Las Vegas", "NV", "southwest", 89101, 36.17, -115.14, 1.0),
    ("Los Angeles", "CA", "west", 90012, 34.05, -118.24, 5.0),
    ("San Diego", "CA", "west", 92101, 32.72, -117.16, 1.5),
    ("San Francisco", "CA", "west", 94102, 37.77, -122.42, 1.6),
    ("San Jose", "CA", "west", 95113, 37.34, -121.89, 1.0),
    ("Sacramento", "CA", "west", 95814, 38.58, -121.49, 0.7),
    ("Fresno", "CA", "west", 93721, 36.74, -119.79, 0.5),
    ("Seattle", "WA", "west", 98101, 47.61, -122.33, 1.8),
    ("Spokane", "WA", "west", 99201, 47.66, -117.43, 0.3),
    ("Portland", "OR", "west", 97204, 45.52, -122.68, 1.0),
    ("Denver", "CO", "west", 80202, 39.74, -104.99, 1.4),
    ("Salt Lake City", "UT", "west", 84101, 40.76, -111.89, 0.6),
    ("Boise", "ID", "west", 83702, 43.62, -116.21, 0.3),
    ("Billings", "MT", "west", 59101, 45.78, -108.50, 0.1),
)


def build_geography(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Postal areas: 3-8 per city, ZIPs counting up from the city's base ZIP, jittered coordinates.

    Returns the table columns plus `_weight` (relative population of the area).
    """
    n_per = np.clip(
        np.round(3 + 1.2 * np.log1p([c[6] for c in CITIES]) * 2.2).astype(int), 3, 8
    )
    idx = np.repeat(np.arange(len(CITIES)), n_per)
    offset = np.concatenate([np.arange(k) for k in n_per])
    col = list(zip(*CITIES, strict=True))
    city, state, region = (np.array(col[i], dtype=object)[idx] for i in range(3))
    base_zip = np.array(col[3])[idx]
    lat = np.round(np.array(col[4])[idx] + rng.normal(0, 0.06, idx.size), 5)
    lon = np.round(np.array(col[5])[idx] + rng.normal(0, 0.06, idx.size), 5)
    pop = np.array(col[6])[idx] / n_per[idx] * rng.uniform(0.6, 1.4, idx.size)
    zips = np.array([f"{z:05d}" for z in (base_zip + offset * 2)], dtype=object)
    return {
        "geography_id": np.arange(1, idx.size + 1, dtype=np.int64),
        "country_code": np.full(idx.size, "US", dtype=object),
        "region": region,
        "state": state,
        "city": city,
        "postal_code": zips,
        "latitude": lat,
        "longitude": lon,
        "_weight": pop / pop.sum(),
    }
