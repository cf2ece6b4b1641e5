"""sqlglot's keywords (its generic tokenizer's one-word keywords, lowercase): a bare word among
them is not a plain column to sqlglot, so spec/quickexpr.py leaves an expression using one as a
column to spec/expr.py. tests/spec/test_quickexpr.py holds this list equal to sqlglot's own."""

from __future__ import annotations

SQLGLOT_KEYWORDS = frozenset(
    """
all alter analyze and anti any apply array as asc asof auto_increment autoincrement begin between bigdecimal
bigint bignum bignumeric binary bit blob bool boolean bpchar byte bytea cache call case char character clob
collate column comment commit constraint copy create cross cube current_catalog current_date current_schema
current_time current_timestamp current_user database date datemultirange daterange datetime dec decfloat
decimal decimal128 decimal256 decimal32 decimal64 default delete desc describe distinct div double drop else
end enum escape except execute exists explain false fetch file filter first fixed float float4 float8 for
format from full function geography geometry glob grant having hugeint ilike in index inet inner insert int
int1 int128 int16 int2 int256 int32 int4 int4multirange int4range int64 int8 int8multirange int8range
integer intersect interval into is isnull join json jsonb keep kill lateral left like limit list load
localtime localtimestamp lock long longblob longtext longvarchar map mediumblob mediumint mediumtext merge
namespace natural nchar next not notnull null nullable number numeric nummultirange numrange nvarchar
nvarchar2 object offset on operator optimize or ordinality out outer over overlaps overwrite partition
partitioned_by percent pivot pragma prepare procedure qualify range real recursive ref references regexp
rename replace returning revoke right rlike rollback rollup row rows schema select semi sequence session
session_user set settings short show smallint some str straight_join string struct table tablesample temp
temporary text then time time_ns timestamp timestamp_ltz timestamp_ntz timestampltz timestampntz timestamptz
timetz tinyblob tinyint tinytext trigger true truncate tsmultirange tsrange tstzmultirange tstzrange
uhugeint uint uint128 uint256 uncache union unique unknown unnest unpivot update use using uuid vacuum
values varbinary varchar varchar2 variant vector view volatile when where window with xor
""".split()
)
