"""products, categories and brands from products.parquet, plus placeholders for the product
ids that transactions reference but the product file lacks.

Ids are derived from the whole product file, so a category or brand keeps its id in every
subsample: departments get 1..D (sorted by name), subcategories (department, product_category)
D+1.. (sorted); brand_id is the source's manufacturer_id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from sources.completejourney.arrow_columns import ints

PLACEHOLDER_NAME = "unknown product {}"


def category_ids(products: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The category tree (category_id, category_name, parent_category_id) and each product's
    category_id (its subcategory; its department when product_category is empty)."""
    departments = pd.DataFrame(
        {"department": np.sort(products["department"].dropna().unique())}
    )
    departments["category_id"] = np.arange(1, len(departments) + 1)
    subs = (
        products.dropna(subset=["department", "product_category"])[
            ["department", "product_category"]
        ]
        .drop_duplicates()
        .sort_values(["department", "product_category"])
        .reset_index(drop=True)
    )
    subs["category_id"] = np.arange(1, len(subs) + 1) + len(departments)
    subs = subs.merge(
        departments.rename(columns={"category_id": "parent_category_id"}),
        on="department",
    )
    tree = pd.concat(
        [
            departments.rename(columns={"department": "category_name"}).assign(
                parent_category_id=pd.NA
            ),
            subs.rename(columns={"product_category": "category_name"})[
                ["category_name", "category_id", "parent_category_id"]
            ],
        ],
        ignore_index=True,
    )
    tree["parent_category_id"] = tree["parent_category_id"].astype("Int64")
    keyed = products[["department", "product_category"]].merge(
        subs[["department", "product_category", "category_id"]],
        on=["department", "product_category"],
        how="left",
    )
    dept = products[["department"]].merge(departments, on="department", how="left")
    product_category = keyed["category_id"].fillna(dept["category_id"]).astype("Int64")
    return tree[
        ["category_id", "category_name", "parent_category_id"]
    ], product_category


def product_names(products: pd.DataFrame) -> pd.Series:
    """The source's most detailed description: product_type plus package_size when present
    (the source has no product names); the category, then the department, when product_type
    is empty."""
    base = (
        products["product_type"]
        .fillna(products["product_category"])
        .fillna(products["department"])
    )
    size = products["package_size"].fillna("")
    return (base + np.where(size != "", " " + size, "")).str.strip()


def map_catalog(
    products: pd.DataFrame, referenced: np.ndarray, whole_catalog: bool
) -> dict[str, pa.Table]:
    """products (+ placeholders for `referenced` ids missing from the file), categories, brands.

    Args:
        products: products.parquet.
        referenced: product ids the batch's order lines reference.
        whole_catalog: keep every product of the file (the full batch); else only referenced.
    """
    tree, product_category = category_ids(products)
    frame = pd.DataFrame(
        {
            "product_id": products["product_id"].to_numpy(),
            "product_name": product_names(products).to_numpy(),
            "category_id": product_category.to_numpy(),
            "brand_id": products["manufacturer_id"].to_numpy(),
        }
    )
    missing = np.setdiff1d(np.unique(referenced), frame["product_id"].to_numpy())
    placeholders = pd.DataFrame(
        {
            "product_id": missing,
            "product_name": [PLACEHOLDER_NAME.format(i) for i in missing],
            "category_id": pd.array([pd.NA] * missing.size, dtype="Int64"),
            "brand_id": pd.array([pd.NA] * missing.size, dtype="Int64"),
        }
    )
    if not whole_catalog:
        frame = frame[frame["product_id"].isin(referenced)]
    frame = pd.concat([frame, placeholders], ignore_index=True)
    frame["category_id"] = frame["category_id"].astype("Int64")
    frame["brand_id"] = frame["brand_id"].astype("Int64")
    frame = frame.sort_values("product_id", kind="stable").reset_index(drop=True)

    used = set(frame["category_id"].dropna())
    used |= set(tree.loc[tree["category_id"].isin(used), "parent_category_id"].dropna())
    tree = tree[tree["category_id"].isin(used)].reset_index(drop=True)

    makers = (
        products[["manufacturer_id", "brand"]]
        .drop_duplicates("manufacturer_id")
        .sort_values("manufacturer_id")
    )
    makers = makers[makers["manufacturer_id"].isin(frame["brand_id"].dropna())]
    return {
        "categories": pa.table(
            {
                "category_id": ints(tree["category_id"]),
                "category_name": pa.array(tree["category_name"], pa.string()),
                "parent_category_id": ints(tree["parent_category_id"]),
            }
        ),
        "brands": pa.table(
            {
                "brand_id": ints(makers["manufacturer_id"]),
                "brand_name": pa.array(
                    [f"manufacturer {i}" for i in makers["manufacturer_id"]],
                    pa.string(),
                ),
                "is_private_label": pa.array(makers["brand"].eq("Private").to_numpy()),
            }
        ),
        "products": pa.table(
            {
                "product_id": ints(frame["product_id"]),
                "product_name": pa.array(frame["product_name"], pa.string()),
                "category_id": ints(frame["category_id"]),
                "brand_id": ints(frame["brand_id"]),
            }
        ),
    }
