"""Recommendations (with the cold-start fallback) and similar products."""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient

from serving.api.routes.customers import RECOMMENDATIONS_PATH
from serving.main import create_app
from serving.schemas.recommendations import RecommendationsResponse


def _stored(url: str, query: str, key: int) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, (key,)).fetchall()


def test_known_customer_gets_the_stored_recommendations(client, serving_world):
    customer = serving_world.known_customer
    response = client.get(f"/v1/customers/{customer}/recommendations", params={"k": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "model" and body["is_fallback"] is False
    assert body["fallback_reason"] is None
    assert body["model_version"] == serving_world.recommender_version
    stored = _stored(
        serving_world.url,
        "select product_id, score from ml.recommendations where customer_id = %s "
        "order by rank limit 5",
        customer,
    )
    assert [(i["product_id"], i["score"]) for i in body["items"]] == [
        (p, pytest.approx(s)) for p, s in stored
    ]
    assert [i["rank"] for i in body["items"]] == [1, 2, 3, 4, 5]
    assert all(i["product_name"] for i in body["items"])


def test_default_k_is_ten(client, serving_world):
    body = client.get(
        f"/v1/customers/{serving_world.known_customer}/recommendations"
    ).json()
    assert body["k"] == 10 and len(body["items"]) == 10


@pytest.fixture(scope="module")
def sparse_world(serving_world, make_settings):
    """A copy of the world where the latest batch outputs did not cover one customer (as if
    they signed up since: features, no recommendations) and one product has no neighbours
    (never interacted with), with a client on it: (client, cold customer, lonely product)."""
    from warehouse.databases import admin_url, create_database, drop_database

    admin = admin_url(serving_world.url)
    name, url = create_database(admin, "sparse", template=serving_world.template)
    try:
        with psycopg.connect(url) as conn:
            cold = conn.execute(
                "select customer_id from ml_features.ml_customer_features"
                " where cutoff_date = %s order by customer_id desc limit 1",
                (serving_world.plan.scoring,),
            ).fetchone()[0]
            lonely = conn.execute(
                "select product_id from ml.similar_products order by 1 desc limit 1"
            ).fetchone()[0]
            conn.execute(
                "delete from ml.recommendations where customer_id = %s", (cold,)
            )
            conn.execute(
                "delete from ml.similar_products where product_id = %s", (lonely,)
            )
        with TestClient(create_app(make_settings(database_url=url))) as sparse_client:
            yield sparse_client, cold, lonely
    finally:
        drop_database(admin, name)


@pytest.mark.parametrize("customer", ["cold", 987_654_321])
def test_cold_start_falls_back_to_popularity(sparse_world, serving_world, customer):
    client, cold, _ = sparse_world
    customer_id = cold if customer == "cold" else customer
    response = client.get(
        f"/v1/customers/{customer_id}/recommendations", params={"k": 3}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["is_fallback"] is True and body["source"] == "popularity"
    assert "new or unknown" in body["fallback_reason"]
    assert body["model_version"] is None
    top = _stored(
        serving_world.url,
        "select product_id from ml_features.ml_interactions group by product_id "
        "order by count(*) filter (where purchase_count > 0) desc, "
        "sum(interaction_weight) desc, product_id limit %s",
        3,
    )
    assert [i["product_id"] for i in body["items"]] == [p for (p,) in top]
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("k", [0, 101, -1, "ten"])
def test_k_out_of_range_is_422(client, serving_world, k):
    response = client.get(
        f"/v1/customers/{serving_world.known_customer}/recommendations", params={"k": k}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.k"


def test_similar_products(client, serving_world):
    product = serving_world.known_product
    response = client.get(f"/v1/products/{product}/similar", params={"k": 4})
    assert response.status_code == 200
    body = response.json()
    stored = _stored(
        serving_world.url,
        "select similar_product_id from ml.similar_products where product_id = %s "
        "order by rank limit 4",
        product,
    )
    assert [i["product_id"] for i in body["items"]] == [p for (p,) in stored]
    assert body["product_name"]
    assert product not in [i["product_id"] for i in body["items"]]


def test_catalogue_product_without_neighbours_is_empty_and_unknown_is_404(
    sparse_world,
):
    client, _, lonely_product = sparse_world
    lonely = client.get(f"/v1/products/{lonely_product}/similar")
    assert lonely.status_code == 200
    assert lonely.json()["items"] == []
    unknown = client.get("/v1/products/123456789/similar")
    assert unknown.status_code == 404
    assert "product 123456789" in unknown.json()["detail"]
    bad = client.get("/v1/products/0/similar")
    assert bad.status_code == 422


def test_missing_tables_are_503_with_the_reason(
    make_settings, fresh_database, serving_world
):
    app = create_app(make_settings(database_url=fresh_database))
    with TestClient(app) as client:
        recs = client.get(
            f"/v1/customers/{serving_world.known_customer}/recommendations"
        )
        assert recs.status_code == 503
        assert "ml.recommendations unavailable" in recs.json()["detail"]
        assert "does not exist" in recs.json()["detail"]
        similar = client.get(f"/v1/products/{serving_world.known_product}/similar")
        assert similar.status_code == 503
        assert "ml.similar_products" in similar.json()["detail"]
        churn = client.get(f"/v1/customers/{serving_world.known_customer}/churn")
        assert churn.status_code == 503
        assert "warehouse table missing" in churn.json()["detail"]
        assert client.get("/ready").status_code == 200  # model + warehouse are fine


@pytest.mark.parametrize(
    ("query", "unknown"),
    [({"K": 5}, ["K"]), ({"k": 3, "debug": 1}, ["debug"]), ({"limit": 3}, ["limit"])],
)
def test_unknown_query_parameters_are_422_naming_them(
    client, serving_world, query, unknown
):
    response = client.get(
        f"/v1/customers/{serving_world.known_customer}/recommendations", params=query
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [f"query.{name}" for name in unknown]
    assert all(e["type"] == "extra_forbidden" for e in errors)
    assert f"query.{unknown[0]}" in response.json()["detail"]


@pytest.mark.parametrize(
    ("customer", "status"),
    [
        ("9007199254740991", 200),  # the largest id, unknown: popularity fallback
        ("0{known}", 200),  # zero-padded: the same customer
        ("9007199254740992", 422),
        ("0", 422),
        ("abc", 422),
        ("1e3", 422),
    ],
)
def test_customer_ids_in_the_path(client, serving_world, customer, status):
    customer = customer.format(known=serving_world.known_customer)
    response = client.get(f"/v1/customers/{customer}/recommendations")
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["customer_id"] == int(customer)
    else:
        assert response.json()["errors"][0]["field"] == "path.customer_id"


def test_recommendations_headers_metrics_and_access_log(
    client, serving_world, access_log
):
    path = f"/v1/customers/{serving_world.known_customer}/recommendations"
    with access_log.capture() as lines:
        response = client.get(
            path, params={"k": 100}, headers={"X-Request-ID": "recs-1"}
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["x-request-id"] == "recs-1"
    RecommendationsResponse.model_validate_json(response.content)
    (record,) = lines
    assert record["request_id"] == "recs-1" and record["status"] == 200
    assert record["route"] == RECOMMENDATIONS_PATH
    metrics = client.get("/metrics").text
    assert f'method="GET",route="{RECOMMENDATIONS_PATH}",status="200"' in metrics
