# SQL derived table over two marts (fact_orders and dim_users), with a CTE.
view: user_order_facts {
  derived_table: {
    sql:
      WITH user_orders AS (
        SELECT
          o.user_id,
          COUNT(DISTINCT o.order_id) AS order_count,
          SUM(o.order_total) AS lifetime_revenue,
          MIN(o.created_at) AS first_order_at,
          MAX(o.created_at) AS last_order_at
        FROM analytics.fact_orders AS o
        GROUP BY 1
      )
      SELECT
        u.user_id,
        u.state,
        COALESCE(uo.order_count, 0) AS order_count,
        COALESCE(uo.lifetime_revenue, 0) AS lifetime_revenue,
        uo.first_order_at,
        uo.last_order_at
      FROM analytics.dim_users AS u
      LEFT JOIN user_orders AS uo ON uo.user_id = u.user_id
      ;;
  }

  dimension: user_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.user_id ;;
  }

  dimension: state {
    type: string
    sql: ${TABLE}.state ;;
  }

  dimension: order_count {
    type: number
    sql: ${TABLE}.order_count ;;
  }

  dimension: lifetime_revenue {
    type: number
    value_format_name: usd
    sql: ${TABLE}.lifetime_revenue ;;
  }

  dimension: lifetime_revenue_tier {
    type: tier
    tiers: [0, 50, 100, 250, 500]
    style: relational
    value_format_name: usd_0
    sql: ${lifetime_revenue} ;;
  }

  dimension_group: first_order {
    type: time
    timeframes: [raw, date, week, month]
    sql: ${TABLE}.first_order_at ;;
  }

  dimension_group: last_order {
    type: time
    timeframes: [raw, date, week, month]
    sql: ${TABLE}.last_order_at ;;
  }

  measure: count {
    label: "Customers"
    type: count
  }

  measure: average_lifetime_revenue {
    type: average
    value_format_name: usd
    sql: ${lifetime_revenue} ;;
  }

  measure: average_order_count {
    type: average
    value_format_name: decimal_2
    sql: ${order_count} ;;
  }
}
