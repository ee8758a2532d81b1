# Raw web events as loaded (dbt source greenery.events); no dbt model in between.
view: events {
  sql_table_name: raw.events ;;

  dimension: event_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.event_id ;;
  }

  dimension: session_id {
    type: string
    sql: ${TABLE}.session_id ;;
  }

  dimension: user_id {
    type: string
    hidden: yes
    sql: ${TABLE}.user_id ;;
  }

  dimension: event_type {
    type: string
    sql: ${TABLE}.event_type ;;
  }

  dimension: page_url {
    type: string
    sql: ${TABLE}.page_url ;;
  }

  dimension: product_id {
    type: string
    sql: ${TABLE}.product_id ;;
  }

  dimension: order_id {
    type: string
    sql: ${TABLE}.order_id ;;
  }

  dimension_group: created {
    type: time
    timeframes: [raw, time, hour_of_day, date, week, month]
    sql: ${TABLE}.created_at ;;
  }

  measure: count {
    label: "Events"
    type: count
  }

  measure: count_sessions {
    type: count_distinct
    sql: ${session_id} ;;
  }
}
