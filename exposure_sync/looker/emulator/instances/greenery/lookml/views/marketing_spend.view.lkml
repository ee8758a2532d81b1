# Monthly ad spend, maintained by hand by the marketing team. dbt does not build this table.
view: marketing_spend {
  sql_table_name: legacy.marketing_spend ;;

  dimension: spend_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.channel || '-' || CAST(${TABLE}.spend_month AS VARCHAR) ;;
  }

  dimension: channel {
    type: string
    sql: ${TABLE}.channel ;;
  }

  dimension: campaign {
    type: string
    sql: ${TABLE}.campaign ;;
  }

  dimension_group: spend {
    type: time
    timeframes: [raw, month, quarter, year]
    datatype: date
    sql: ${TABLE}.spend_month ;;
  }

  dimension: amount {
    type: number
    value_format_name: usd
    sql: ${TABLE}.amount ;;
  }

  measure: total_spend {
    type: sum
    value_format_name: usd
    sql: ${amount} ;;
  }

  measure: count_campaigns {
    type: count_distinct
    sql: ${campaign} ;;
  }
}
