# Core products dimension. The schema comes from the user attribute `greenery_schema`,
# so analysts can point their session at a development schema.
view: dim_products {
  sql_table_name: {{ _user_attributes['greenery_schema'] }}.dim_products ;;

  dimension: product_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.product_id ;;
  }

  dimension: product_name {
    type: string
    sql: ${TABLE}.product_name ;;
  }

  dimension: price {
    type: number
    value_format_name: usd
    sql: ${TABLE}.price ;;
  }

  dimension: inventory {
    type: number
    sql: ${TABLE}.inventory ;;
  }

  dimension: is_out_of_stock {
    type: yesno
    sql: ${inventory} = 0 ;;
  }

  measure: count {
    label: "Products"
    type: count
    drill_fields: [product_id, product_name, price, inventory]
  }

  measure: total_inventory {
    type: sum
    sql: ${inventory} ;;
  }

  measure: average_price {
    type: average
    value_format_name: usd
    sql: ${price} ;;
  }
}
