package candid_test

import "math/big"

func bigPow(b, e int64) *big.Int { return new(big.Int).Exp(big.NewInt(b), big.NewInt(e), nil) }

func bigNeg(x *big.Int) *big.Int { return new(big.Int).Neg(x) }
