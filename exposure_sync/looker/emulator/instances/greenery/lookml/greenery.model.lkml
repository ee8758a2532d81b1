# Greenery: plant shop e-commerce model over the greenery dbt project (DuckDB).
connection: "greenery_duckdb"
label: "Greenery"

include: "/views/*.view.lkml"
include: "/*.dashboard.lookml"

datagroup: greenery_nightly {
  label: "Greenery nightly dbt build"
  description: "Triggers when the nightly dbt run has loaded new orders."
  sql_trigger: SELECT MAX(created_at) FROM analytics.fact_orders ;;
  max_cache_age: "24 hours"
}

datagroup: greenery_hourly {
  label: "Hourly cache"
  interval_trigger: "1 hour"
  max_cache_age: "1 hour"
}

persist_with: greenery_hourly

week_start_day: monday

# ---------------------------------------------------------------------------
# Product funnel: one row per session.
# ---------------------------------------------------------------------------
explore: fact_sessions_funnel {
  label: "Product funnel"
  description: "Sessions with their page view, add to cart and checkout steps."

  join: dim_users {
    type: left_outer
    relationship: many_to_one
    sql_on: ${fact_sessions_funnel.user_id} = ${dim_users.user_id} ;;
  }

  join: daily_sessions_pdt {
    type: left_outer
    relationship: many_to_one
    sql_on: ${fact_sessions_funnel.session_started_date} = ${daily_sessions_pdt.session_date} ;;
  }
}

# ---------------------------------------------------------------------------
# Orders: the explore is named `orders` but reads the fact_orders view (explore `from:`).
# ---------------------------------------------------------------------------
explore: orders {
  from: fact_orders
  label: "Orders"
  description: "Orders with their buyer, items, products and promos."

  # join with from: -- the buyer is a dim_users row
  join: buyer {
    from: dim_users
    type: left_outer
    relationship: many_to_one
    sql_on: ${orders.user_id} = ${buyer.user_id} ;;
  }

  # sql_on reaches another join (buyer): using buyer_address needs buyer too
  join: buyer_address {
    from: addresses
    type: left_outer
    relationship: many_to_one
    sql_on: ${buyer.address} = ${buyer_address.address} AND ${buyer.zipcode} = ${buyer_address.zipcode} ;;
  }

  join: order_items {
    type: left_outer
    relationship: one_to_many
    sql_on: ${orders.order_id} = ${order_items.order_id} ;;
  }

  # sql_on names order_items in plain SQL, so the dependency is declared with required_joins
  join: dim_products {
    type: left_outer
    relationship: many_to_one
    sql_on: order_items.product_id = ${dim_products.product_id} ;;
    required_joins: [order_items]
  }

  join: promos {
    type: left_outer
    relationship: many_to_one
    sql_on: ${orders.promo_id} = ${promos.promo_id} ;;
  }

  # the product row as it was when the order was placed (snapshot), reached through order_items
  join: product_at_order {
    from: products_snapshot
    type: left_outer
    relationship: many_to_one
    sql_on: ${order_items.product_id} = ${product_at_order.product_id}
      AND ${orders.created_raw} >= ${product_at_order.valid_from_raw}
      AND (${orders.created_raw} < ${product_at_order.valid_to_raw} OR ${product_at_order.valid_to_raw} IS NULL) ;;
  }

  join: user_order_facts {
    type: left_outer
    relationship: many_to_one
    sql_on: ${orders.user_id} = ${user_order_facts.user_id} ;;
  }
}

# ---------------------------------------------------------------------------
# Users: `view_name` form, always joined to their order summary.
# ---------------------------------------------------------------------------
explore: users {
  view_name: dim_users
  label: "Users"
  always_join: [fact_user_orders]

  join: fact_user_orders {
    type: left_outer
    relationship: one_to_one
    sql_on: ${dim_users.user_id} = ${fact_user_orders.user_id} ;;
  }

  join: addresses {
    type: left_outer
    relationship: many_to_one
    sql_on: ${dim_users.address} = ${addresses.address} AND ${dim_users.zipcode} = ${addresses.zipcode} ;;
  }

  join: user_order_facts {
    type: left_outer
    relationship: one_to_one
    sql_on: ${dim_users.user_id} = ${user_order_facts.user_id} ;;
  }
}

# ---------------------------------------------------------------------------
# Products: current catalogue (schema from a user attribute).
# ---------------------------------------------------------------------------
explore: dim_products {
  label: "Products"

  join: products_snapshot {
    type: left_outer
    relationship: one_to_many
    sql_on: ${dim_products.product_id} = ${products_snapshot.product_id} ;;
  }

  join: inventory_weeks {
    type: left_outer
    relationship: one_to_many
    sql_on: ${dim_products.product_name} = ${inventory_weeks.product_name} ;;
  }

  join: product_sales_ndt {
    type: left_outer
    relationship: one_to_one
    sql_on: ${dim_products.product_id} = ${product_sales_ndt.product_id} ;;
  }
}

# ---------------------------------------------------------------------------
# Page views (prod/dev table chosen with a Liquid if on a user attribute).
# ---------------------------------------------------------------------------
explore: fact_page_views {
  label: "Page views"

  join: dim_products {
    type: left_outer
    relationship: many_to_one
    sql_on: ${fact_page_views.product_id} = ${dim_products.product_id} ;;
  }

  join: dim_users {
    type: left_outer
    relationship: many_to_one
    sql_on: ${fact_page_views.user_id} = ${dim_users.user_id} ;;
  }
}

# ---------------------------------------------------------------------------
# Raw events straight from the loader's table (a dbt source).
# ---------------------------------------------------------------------------
explore: events {
  label: "Raw events"

  join: session_funnel {
    from: fact_sessions_funnel
    type: left_outer
    relationship: many_to_one
    sql_on: ${events.session_id} = ${session_funnel.session_id} ;;
  }

  join: event_user {
    from: dim_users
    type: left_outer
    relationship: many_to_one
    sql_on: ${events.user_id} = ${event_user.user_id} ;;
  }
}

# ---------------------------------------------------------------------------
# Marketing spend: a legacy table that dbt does not build.
# ---------------------------------------------------------------------------
explore: marketing_spend {
  label: "Marketing spend (legacy)"

  join: fact_user_orders {
    type: left_outer
    relationship: many_to_many
    sql_on: ${marketing_spend.spend_month} = ${fact_user_orders.first_order_month} ;;
  }
}

# ---------------------------------------------------------------------------
# Inventory history: the dbt snapshot and the weekly inventory seed.
# ---------------------------------------------------------------------------
explore: inventory {
  from: products_snapshot
  label: "Inventory history"

  join: inventory_weeks {
    type: left_outer
    relationship: one_to_many
    sql_on: ${inventory.product_name} = ${inventory_weeks.product_name} ;;
  }
}

# ---------------------------------------------------------------------------
# Derived-table explores.
# ---------------------------------------------------------------------------
explore: user_order_facts {
  label: "Customer lifetime"

  join: repeat_buyers {
    type: left_outer
    relationship: one_to_one
    sql_on: ${user_order_facts.user_id} = ${repeat_buyers.user_id} ;;
  }
}

explore: customers {
  label: "Customers"

  join: repeat_buyers {
    type: left_outer
    relationship: one_to_one
    sql_on: ${customers.user_id} = ${repeat_buyers.user_id} ;;
  }
}

explore: product_sales_ndt {
  label: "Product sales"

  join: dim_products {
    type: left_outer
    relationship: one_to_one
    sql_on: ${product_sales_ndt.product_id} = ${dim_products.product_id} ;;
  }
}

explore: daily_sessions_pdt {
  label: "Daily sessions"
}

explore: weekly_inventory_pdt {
  label: "Weekly inventory"
}
