# Raw order lines (dbt source greenery.order_items).
view: order_items {
  sql_table_name: raw.order_items ;;

  dimension: order_item_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.order_id || '-' || ${TABLE}.product_id ;;
  }

  dimension: order_id {
    type: string
    hidden: yes
    sql: ${TABLE}.order_id ;;
  }

  dimension: product_id {
    type: string
    sql: ${TABLE}.product_id ;;
  }

  dimension: quantity {
    type: number
    sql: ${TABLE}.quantity ;;
  }

  measure: count {
    label: "Order lines"
    type: count
  }

  measure: total_quantity {
    type: sum
    sql: ${quantity} ;;
  }
}
