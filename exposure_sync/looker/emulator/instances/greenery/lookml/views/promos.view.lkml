# Promo codes, read from the staging model with a fully qualified three-part name.
view: promos {
  sql_table_name: greenery.analytics.stg_greenery__promos ;;

  dimension: promo_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.promo_id ;;
  }

  dimension: discount {
    type: number
    value_format_name: usd
    sql: ${TABLE}.discount ;;
  }

  dimension: status {
    label: "Promo status"
    type: string
    sql: ${TABLE}.promo_status ;;
  }

  measure: count {
    label: "Promos"
    type: count
  }

  measure: total_discount {
    type: sum
    value_format_name: usd
    sql: ${discount} ;;
  }
}
