// Command stable is a user registry whose data survives upgrades: a
// BTreeMap from principal to a user record, kept in stable memory by
// package cdk/stable. Upgrading the canister (icgo run's :upgrade) keeps
// every user, without any pre_upgrade or post_upgrade code.
//
//	icgo run ./examples/stable
//	> register ("Ann", "ann@example.org")
//	> count
//	> :upgrade
//	> count
package main

import (
	"errors"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/cdk/stable"
	"github.com/icgo/icgo/principal"
)

// User is the record kept per principal. It is stored as Candid, so a
// later version may add opt fields (pointer fields): old records load with
// them nil.
type User struct {
	Name   string
	Email  string
	Joined uint64 // nanoseconds since 1970
}

// Entry is one row of list.
type Entry struct {
	ID   principal.Principal
	User User
}

var (
	// The canister's stable memory, divided by a MemoryManager: memory 0
	// holds the users, memory 1 the number of upgrades.
	mm       = stable.Must(stable.NewMemoryManager(stable.Stable()))
	users    = stable.Must(stable.NewBTreeMap[principal.Principal, User](mm.Memory(0)))
	upgrades = stable.Must(stable.NewCell[uint64](mm.Memory(1), 0))
)

const maxList = 100

func init() {
	// register adds or updates the caller's record.
	cdk.Update("register", func(name, email string) (User, error) {
		caller := cdk.Caller()
		if caller.IsAnonymous() {
			return User{}, errors.New("register needs an authenticated caller")
		}
		if name == "" || len(name) > 100 || len(email) > 200 {
			return User{}, errors.New("name must have 1 to 100 bytes and email at most 200")
		}
		u := User{Name: name, Email: email, Joined: uint64(cdk.Time().UnixNano())}
		if old, ok := users.Get(caller); ok {
			u.Joined = old.Joined
		}
		users.Insert(caller, u)
		return u, nil
	})
	cdk.Update("unregister", func() bool {
		_, ok := users.Remove(cdk.Caller())
		return ok
	})
	cdk.Query("get", func(id principal.Principal) *User {
		if u, ok := users.Get(id); ok {
			return &u
		}
		return nil
	})
	cdk.Query("count", func() uint64 { return users.Len() })
	// list returns up to limit (at most 100) users from the principal
	// after, in principal order; nil starts at the beginning.
	cdk.Query("list", func(after *principal.Principal, limit uint32) []Entry {
		out := []Entry{}
		seq := users.All()
		if after != nil {
			seq = users.From(*after)
		}
		for id, u := range seq {
			if len(out) >= int(min(limit, maxList)) {
				break
			}
			if after != nil && id.Equal(*after) {
				continue
			}
			out = append(out, Entry{id, u})
		}
		return out
	})
	cdk.Query("upgrades", func() uint64 { return upgrades.Get() })
	cdk.PostUpgrade(func() {
		if err := upgrades.Set(upgrades.Get() + 1); err != nil {
			panic(err)
		}
	})
}

func main() {}
