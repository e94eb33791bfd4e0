package candidwire

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLEB(t *testing.T) {
	tests := []struct {
		in      []byte
		u       uint64
		s       int64
		n       int
		uErr    error
		sErr    error
		comment string
	}{
		{[]byte{0x00}, 0, 0, 1, nil, nil, "zero"},
		{[]byte{0x7f}, 127, -1, 1, nil, nil, "one byte"},
		{[]byte{0x80, 0x01}, 128, 128, 2, nil, nil, "two bytes"},
		{[]byte{0x80, 0x00}, 0, 0, 2, nil, nil, "overlong"},
		{[]byte{0xe5, 0x8e, 0x26}, 624485, 624485, 3, nil, nil, "spec example"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, math.MaxUint64, 0, 10, nil, ErrOverflow, "max uint64"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 0, 0, 10, ErrOverflow, ErrOverflow, "overflow"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, 0, math.MinInt64, 10, ErrOverflow, nil, "min int64"},
		{[]byte{0x80}, 0, 0, 0, ErrTruncated, ErrTruncated, "truncated"},
		{nil, 0, 0, 0, ErrTruncated, ErrTruncated, "empty"},
	}
	for _, tt := range tests {
		u, n, err := ReadULEB(tt.in)
		require.Equal(t, tt.uErr, err, tt.comment)
		if err == nil {
			require.Equal(t, tt.u, u, tt.comment)
			require.Equal(t, tt.n, n, tt.comment)
			require.Equal(t, tt.n, Len(tt.in), tt.comment)
		}
		s, n, err := ReadSLEB(tt.in)
		require.Equal(t, tt.sErr, err, tt.comment)
		if err == nil {
			require.Equal(t, tt.s, s, tt.comment)
			require.Equal(t, tt.n, n, tt.comment)
		}
	}
	for _, x := range []int64{0, 1, -1, 63, 64, -64, -65, math.MaxInt64, math.MinInt64} {
		s, _, err := ReadSLEB(AppendSLEB(nil, x))
		require.NoError(t, err)
		require.Equal(t, x, s)
		u, _, err := ReadULEB(AppendULEB(nil, uint64(x)))
		require.NoError(t, err)
		require.Equal(t, uint64(x), u)
	}
}
