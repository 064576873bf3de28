package storage

import (
	"container/list"
	"fmt"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// Facet counts are the costliest part of a search: a GROUP BY over every
// matching dataset (and its tags or resources); the count of matches comes
// next, a scan of them all whatever the page shown. The same facets are asked
// again and again (every page of a search, every visit to the home page),
// so they are cached, keyed by the catalogue version: a counter that every
// dataset write increments in its own transaction. Any write, from this
// process or another (serve and import, or several instances on
// PostgreSQL), makes every cached count stale at once.

// bumpVersion marks the catalogue changed; call it in the write's
// transaction.
func bumpVersion(tx *gorm.DB) error {
	return tx.Exec("UPDATE catalog_version SET version = version + 1 WHERE id = 1").Error
}

func catalogVersion(tx *gorm.DB) (int64, error) {
	var v int64
	err := tx.Raw("SELECT version FROM catalog_version WHERE id = 1").Scan(&v).Error
	return v, err
}

// facetCacheSize bounds the cached facet lists.
const facetCacheSize = 512

type facetCache struct {
	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

type facetEntry struct {
	key   string
	value any // []catalog.FacetItem, or a count (int)
}

func newFacetCache() *facetCache {
	return &facetCache{ll: list.New(), items: map[string]*list.Element{}}
}

func facetKey(version int64, field, where string, args []any, limit, minCount int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%s|%d|%d|%s", version, field, limit, minCount, where)
	for _, a := range args {
		fmt.Fprintf(&b, "|%T:%v", a, a)
	}
	return b.String()
}

func (c *facetCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*facetEntry).value, true
	}
	return nil, false
}

func (c *facetCache) put(key string, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		e.Value.(*facetEntry).value = value
		return
	}
	c.items[key] = c.ll.PushFront(&facetEntry{key: key, value: value})
	for c.ll.Len() > facetCacheSize {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*facetEntry).key)
	}
}
