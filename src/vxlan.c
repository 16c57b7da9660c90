/* vxlan: encoding and checking the RFC 7348 header. */
#include "vxlan.h"

void vxlan_encode(uint8_t hdr[static VXLAN_HLEN], uint32_t vni)
{
	vni &= VXLAN_VNI_MAX;
	hdr[0] = VXLAN_FLAG_I;
	hdr[1] = 0;
	hdr[2] = 0;
	hdr[3] = 0;
	hdr[4] = (uint8_t)(vni >> 16);
	hdr[5] = (uint8_t)(vni >> 8);
	hdr[6] = (uint8_t)vni;
	hdr[7] = 0;
}

enum vxlan_result vxlan_decode(const uint8_t *buf, size_t len, uint32_t *vni)
{
	if (len < VXLAN_HLEN)
		return VXLAN_SHORT;
	if (!(buf[0] & VXLAN_FLAG_I))
		return VXLAN_NO_I;
	/* As the kernel's vxlan_rcv without extensions: any flag other than I,
	 * or any reserved byte, makes the header one we do not understand. */
	if ((buf[0] & (uint8_t)~VXLAN_FLAG_I) || buf[1] || buf[2] || buf[3] || buf[7])
		return VXLAN_RESERVED;
	if (vni)
		*vni = (uint32_t)buf[4] << 16 | (uint32_t)buf[5] << 8 | buf[6];
	return VXLAN_OK;
}
