package principal_test

import (
	"fmt"

	"github.com/icgo/icgo/principal"
)

func Example() {
	p := principal.FromBytes([]byte{0xab, 0xcd, 0x01})
	fmt.Println(p)
	q, err := principal.Decode("em77e-bvlzu-aq")
	fmt.Println(q.Equal(p), err)
	fmt.Println(principal.Anonymous, principal.ManagementCanister)
	// Output:
	// em77e-bvlzu-aq
	// true <nil>
	// 2vxsx-fae aaaaa-aa
}
