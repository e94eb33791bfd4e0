// Command certcan certifies a value and serves it with the IC's
// certificate.
package main

import "github.com/icgo/icgo/cdk"

var value string

func init() {
	cdk.Update("set", func(v string) {
		value = v
		cdk.SetCertifiedData([]byte(v))
	})
	// get returns the value and the certificate (empty when there is none,
	// as when get is called as an update).
	cdk.Query("get", func() (string, []byte) {
		cert, _ := cdk.DataCertificate()
		return value, cert
	})
}

func main() {}
