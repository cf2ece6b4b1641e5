"""Reserved words of every SQL dialect pipegen writes, as data: a name that is one of them (in
any case) is legal in the spec and reaches SQL quoted in that dialect (render/filters.py's
`sql_ident`, `flink_ident`; dbt tests get `quote: true`; spec expressions quote it).

Published for the spec generator (Hypothesis) and the tests, which draw names from it:

    from pipegen.spec.reserved import RESERVED, DIALECTS, ALL_RESERVED, is_reserved, reserved_in
    RESERVED["duckdb"]                 # frozenset of lowercase words
    is_reserved("Order", "postgres")   # True (case-insensitive)
    reserved_in("user")                # ("duckdb", "flink", "postgres", "spark")

Sources (lowercase, conservative: a word a dialect reads as a keyword in a column position is
listed even when the manual calls it non-reserved, since quoting a plain word is harmless):
DuckDB 1.x/2.0 `duckdb_keywords()` (reserved, column_name and type_function categories) and
sqlglot's DuckDB generator list; PostgreSQL 16 appendix C (reserved, "can be function or
type", "cannot be function or type"); MySQL 8.4 reserved words (sqlglot's MySQL generator
list); Snowflake's reserved and limited keywords; BigQuery GoogleSQL reserved keywords
(sqlglot's list); Spark 3.5 / Databricks ANSI-mode reserved keywords (Databricks uses
"spark"); ClickHouse keywords that end a column expression (ClickHouse reserves few words, but
its parser reads these as clauses); Flink 1.20 SQL reserved keywords (Apache Calcite's and
Flink's own). Pure data: importing this module imports nothing."""

from __future__ import annotations

from collections.abc import Mapping


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# fmt: off
RESERVED: Mapping[str, frozenset[str]] = {
    "duckdb": _words(
        """
        all analyse analyze and anti any array as asc asof asymmetric at authorization between bigint binary
        bit boolean both by case cast char character check coalesce collate collation column columns
        concurrently constraint create cross current_catalog current_date current_role current_time
        current_timestamp current_user dec decimal default deferrable desc describe distinct do else end
        except exists extract false fetch float for foreign freeze from full generated glob grant group
        grouping grouping_id having ilike in initially inner inout int integer intersect interval into is
        isnull join lambda lateral leading left like limit localtime localtimestamp map national natural
        nchar none not notnull null nullif numeric offset on only or order out outer overlaps overlay pivot
        pivot_longer pivot_wider placing position positional precision primary qualify real references
        returning right row select semi session_user setof show similar smallint some struct substring
        summarize symmetric table tablesample then time timestamp to trailing treat trim true try_cast tuple
        union unique unpack unpivot user using values varchar variadic verbose when where window with
        """
    ),
    "postgres": _words(
        """
        all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean
        both case cast char character check coalesce collate collation column concurrently constraint create
        cross current_catalog current_date current_role current_schema current_time current_timestamp
        current_user dec decimal default deferrable desc distinct do else end except exists extract false
        fetch float for foreign freeze from full grant greatest group grouping having ilike in initially
        inner inout int integer intersect interval into is isnull join json lateral leading least left like
        limit localtime localtimestamp national natural nchar none normalize not notnull null nullif numeric
        offset on only or order out outer overlaps overlay placing position precision primary real
        references returning right row select session_user setof similar smallint some substring symmetric
        system_user table tablesample then time timestamp to trailing treat trim true union unique user
        using values varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement
        xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
        """
    ),
    "mysql": _words(
        """
        accessible add all alter analyze and as asc asensitive before between bigint binary blob both by
        call cascade case change char character check collate column condition constraint continue convert
        create cross cube cume_dist current_date current_time current_timestamp current_user cursor database
        databases day_hour day_microsecond day_minute day_second dec decimal declare default delayed delete
        dense_rank desc describe deterministic distinct distinctrow div double drop dual each else elseif
        empty enclosed escaped except exists exit explain false fetch first_value float float4 float8 for
        force foreign from fulltext function generated get grant group grouping groups having high_priority
        hour_microsecond hour_minute hour_second if ignore in index infile inner inout insensitive insert
        int int1 int2 int3 int4 int8 integer intersect interval into io_after_gtids io_before_gtids is
        iterate join json_table key keys kill lag last_value lateral lead leading leave left like limit
        linear lines load localtime localtimestamp lock long longblob longtext loop low_priority master_bind
        master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext middleint
        minute_microsecond minute_second mod modifies natural no_write_to_binlog not nth_value ntile null
        numeric of on optimize optimizer_costs option optionally or order out outer outfile over partition
        percent_rank precision primary procedure purge range rank read read_write reads real recursive
        references regexp release rename repeat replace require resignal restrict return revoke right rlike
        row row_number rows schema schemas second_microsecond select sensitive separator set show signal
        smallint spatial specific sql sql_big_result sql_calc_found_rows sql_small_result sqlexception
        sqlstate sqlwarning ssl starting stored straight_join system table terminated then tinyblob tinyint
        tinytext to trailing trigger true undo union unique unlock unsigned update usage use using utc_date
        utc_time utc_timestamp values varbinary varchar varcharacter varying virtual when where while window
        with write xor year_month zerofill
        """
    ),
    "snowflake": _words(
        """
        account all alter and any as between by case cast check column connect connection constraint create
        cross current current_date current_time current_timestamp current_user database delete distinct drop
        else exists false following for from full grant group gscluster having ilike in increment inner
        insert intersect into is issue join lateral left like localtime localtimestamp minus natural not
        null of on or order organization qualify regexp revoke right rlike row rows sample schema select set
        some start table tablesample then to trigger true try_cast union unique update using values view
        when whenever where window with
        """
    ),
    "bigquery": _words(
        """
        all and any array as asc assert_rows_modified at between by case cast collate contains create cross
        cube current default define desc distinct else end enum escape except exclude exists extract false
        fetch following for from full group grouping groups hash having if ignore in inner intersect
        interval into is join lateral left like limit lookup merge natural new no not null nulls of on or
        order outer over partition preceding proto qualify range recursive respect right rollup rows select
        set some struct tablesample then to treat true unbounded union unnest using when where window with
        within
        """
    ),
    "spark": _words(
        """
        all and anti any array as at authorization both case cast check collate column constraint create
        cross cube current current_date current_time current_timestamp current_user delete describe distinct
        div drop else end escape except exists external false fetch filter for foreign from full function
        global grant group grouping having in inner insert intersect interval into is join lateral leading
        left like limit local minus natural not null of on only or order out outer overlaps partition
        position primary range references revoke right rlike rollup row rows select semi session_user set
        some start table tablesample then time to trailing true truncate union unique unknown update user
        using values when where window with
        """
    ),
    "clickhouse": _words(
        """
        all and any array as asc asof between by case cast cross database desc distinct else end except
        exists explain extract false final format from full global group having ilike in inner insert
        intersect interval into is join key left like limit not null offset on or order outer prewhere right
        sample select settings table then to top totals true union using when where window with
        """
    ),
    "flink": _words(
        """
        all allocate allow alter and any are array array_max_cardinality as asensitive asymmetric at atomic
        authorization avg begin begin_frame begin_partition between bigint binary bit blob boolean both by
        bytes call called cardinality cascaded case cast catalogs ceil ceiling char char_length character
        character_length check classifier clob close coalesce collate collect column columns comment commit
        condition connect constraint contains convert corr corresponding count covar_pop covar_samp create
        cross cube cume_dist current current_catalog current_date current_default_transform_group
        current_path current_role current_row current_schema current_time current_timestamp
        current_transform_group_for_type current_user cursor cycle databases date datetime day deallocate
        dec decimal declare default define delete dense_rank deref describe deterministic disallow
        disconnect distinct double drop dynamic each element else empty end end_frame end_partition enforced
        equals escape estimated every except exec execute exists exp explain extend extended external
        extract false fetch filter first_value float floor for foreign frame_row free from full function
        functions fusion get global grant group grouping groups having hold hour identity if ilike import in
        indicator initial inner inout insensitive insert int integer intersect intersection interval into is
        join json_array json_arrayagg json_exists json_object json_objectagg json_query json_value lag
        language large last_value lateral lead leading left like like_regex limit ln local localtime
        localtimestamp lower match match_number match_recognize matches max measures member merge method min
        minus minute mod modifies module modules month multiset national natural nchar nclob new next no
        none normalize not nth_value ntile null nullif numeric occurrences_regex octet_length of offset old
        omit on one only open or order out outer over overlaps overlay overwrite overwriting parameter
        partition partitioned partitions pattern per percent percent_rank percentile_cont percentile_disc
        period permute portion position position_regex power precedes precision prepare prev primary
        procedure range rank raw reads real recursive ref references referencing regr_avgx regr_avgy
        regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy release rename reset result
        return returns revoke right rollback rollup row row_number rows running savepoint scalar scope
        scroll search second seek select sensitive session_user set show similar skip smallint some specific
        specifictype sql sqlexception sqlstate sqlwarning sqrt start statement static stddev_pop stddev_samp
        stream string submultiset subset substring substring_regex succeeds sum symmetric system system_time
        system_user table tables tablesample then time timestamp timestamp_ltz timezone_hour timezone_minute
        tinyint to trailing translate translate_regex translation treat trigger trim trim_array true
        truncate uescape union unique unknown unnest update upper upsert use user using value value_of
        values var_pop var_samp varbinary varchar varying versioning view watermark watermarks when whenever
        where width_bucket window with within without year
        """
    ),
}
# fmt: on
# sqlglot / dbt dialect names that share a list
ALIASES: Mapping[str, str] = {
    "databricks": "spark",
    "redshift": "postgres",
    "trino": "postgres",
    "druid": "postgres",
    "tsql": "postgres",
}  # fmt: skip
DIALECTS: tuple[str, ...] = tuple(RESERVED)
ALL_RESERVED: frozenset[str] = frozenset().union(*RESERVED.values())


def reserved_words(dialect: str) -> frozenset[str]:
    """The lowercase reserved words of `dialect` (an alias such as databricks reads its base list)."""
    return RESERVED[ALIASES.get(dialect, dialect)]


def is_reserved(word: str, dialect: str | None = None) -> bool:
    """Whether `word` (any case) is reserved in `dialect`, or in any dialect pipegen writes."""
    lowered = word.lower()
    return lowered in (ALL_RESERVED if dialect is None else reserved_words(dialect))


def reserved_in(word: str) -> tuple[str, ...]:
    """The dialects that reserve `word` (any case), sorted."""
    lowered = word.lower()
    return tuple(sorted(d for d, words in RESERVED.items() if lowered in words))
