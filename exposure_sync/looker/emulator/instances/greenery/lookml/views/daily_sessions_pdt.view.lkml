# Persistent derived table rebuilt by the greenery_nightly datagroup: sessions per day.
view: daily_sessions_pdt {
  derived_table: {
    sql:
      SELECT
        CAST(f.session_started_at AS DATE) AS session_date,
        COUNT(*) AS sessions,
        SUM(CASE WHEN f.add_to_carts > 0 THEN 1 ELSE 0 END) AS sessions_with_add_to_cart,
        SUM(CASE WHEN f.checkouts > 0 THEN 1 ELSE 0 END) AS sessions_with_checkout
      FROM analytics.fact_sessions_funnel AS f
      GROUP BY 1
      ;;
    datagroup_trigger: greenery_nightly
    indexes: ["session_date"]
  }

  dimension_group: session_day {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.session_date ;;
  }

  dimension: session_date {
    primary_key: yes
    hidden: yes
    type: date
    sql: ${TABLE}.session_date ;;
  }

  dimension: sessions {
    type: number
    sql: ${TABLE}.sessions ;;
  }

  measure: total_sessions {
    type: sum
    sql: ${sessions} ;;
  }

  measure: total_sessions_with_checkout {
    type: sum
    sql: ${TABLE}.sessions_with_checkout ;;
  }

  measure: daily_conversion_rate {
    type: number
    value_format_name: percent_1
    sql: 1.0 * ${total_sessions_with_checkout} / NULLIF(${total_sessions}, 0) ;;
  }
}
