# Native derived table: units and orders per product, computed through the `orders` explore.
view: product_sales_ndt {
  derived_table: {
    explore_source: orders {
      column: product_id { field: dim_products.product_id }
      column: product_name { field: dim_products.product_name }
      column: units_sold { field: order_items.total_quantity }
      column: order_count { field: orders.count }
      filters: [orders.status: "-NULL"]
    }
  }

  dimension: product_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.product_id ;;
  }

  dimension: product_name {
    type: string
    sql: ${TABLE}.product_name ;;
  }

  dimension: units_sold {
    type: number
    sql: ${TABLE}.units_sold ;;
  }

  dimension: order_count {
    type: number
    sql: ${TABLE}.order_count ;;
  }

  measure: total_units_sold {
    type: sum
    sql: ${units_sold} ;;
  }

  measure: total_orders {
    type: sum
    sql: ${order_count} ;;
  }

  measure: count {
    label: "Products sold"
    type: count
  }
}
