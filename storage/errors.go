package storage

import (
	"errors"
	"fmt"

	"github.com/passerelle/passerelle/catalog"
	"gorm.io/gorm"
)

// internal wraps a database failure with what was being done. Failures the
// client caused are catalog errors already and pass through unchanged.
func internal(what string, err error) error {
	if err == nil {
		return nil
	}
	var ce *catalog.Error
	if errors.As(err, &ce) {
		return err
	}
	return &catalog.Error{Kind: catalog.KindInternal, Msg: "", Err: fmt.Errorf("%s: %w", what, err)}
}

// duplicateAs turns a unique-constraint violation into a validation error
// on field; races between two creations with one name end here.
func duplicateAs(err error, field, msg string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return catalog.Invalid(field, msg)
	}
	return err
}

// Messages CKAN gives for taken names.
const (
	msgDatasetNameTaken = "That URL is already in use."
	msgOrgNameTaken     = "Group name already exists in database"
)
