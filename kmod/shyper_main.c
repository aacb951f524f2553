// SPDX-License-Identifier: GPL-2.0
/*
 * shyper.ko: binds to the "shyper,hypervisor" device-tree node the Shyper hypervisor gives
 * its management VM and creates /dev/shyper (include/shyper/ioctl.h) on it.  Without the
 * node the kernel is not running under Shyper and the module does not load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <shyper/ioctl.h>

#include "shyper.h"
#include "shyper_hypercall.h"

#define SHYPER_COMPATIBLE         "shyper,hypervisor"
#define SHYPER_ABI_MAJOR(version) ((version) >> 16)
#define SHYPER_ABI_MINOR(version) ((version)&0xffff)
#define SHYPER_DEVICE_MODE        0600 /* root manages the VMs */

static struct shyper_dev *file_dev(struct file *file)
{
    /* misc_open() sets private_data to the miscdevice. */
    return container_of(file->private_data, struct shyper_dev, misc);
}

static ssize_t shyper_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
    return shyper_notify_read(file_dev(file), file, buf, count);
}

static __poll_t shyper_poll(struct file *file, poll_table *wait)
{
    return shyper_notify_poll(file_dev(file), file, wait);
}

static long shyper_unlocked_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
    if (cmd == SHYPER_IOC_MEDIATED_ATTACH || cmd == SHYPER_IOC_MEDIATED_COMPLETE)
        return shyper_mediated_ioctl(file_dev(file), file, cmd, (void __user *)arg);
    return shyper_ioctl(file_dev(file), cmd, arg);
}

static int shyper_mmap(struct file *file, struct vm_area_struct *vma)
{
    return shyper_mediated_mmap(file_dev(file), file, vma);
}

static int shyper_release(struct inode *inode, struct file *file)
{
    shyper_mediated_release(file_dev(file), file);
    return 0;
}

static const struct file_operations shyper_fops = {
    .owner = THIS_MODULE,
    .read = shyper_read,
    .poll = shyper_poll,
    .unlocked_ioctl = shyper_unlocked_ioctl,
    .mmap = shyper_mmap,
    .release = shyper_release,
    .llseek = noop_llseek,
};

/* The hypervisor must speak the ABI major version this module was built for. */
static int check_abi(struct device *dev)
{
    unsigned long version;
    int err = shyper_hc_version(&version);

    if (err)
        return dev_err_probe(dev, err, "the hypervisor does not answer SYSTEM_GET_VERSION\n");
    if (SHYPER_ABI_MAJOR(version) != SHYPER_ABI_MAJOR(SHYPER_ABI_VERSION))
        return dev_err_probe(dev, -EPROTO, "hypervisor ABI %lu.%lu, module built for %u.%u\n",
                             SHYPER_ABI_MAJOR(version), SHYPER_ABI_MINOR(version),
                             SHYPER_ABI_MAJOR(SHYPER_ABI_VERSION),
                             SHYPER_ABI_MINOR(SHYPER_ABI_VERSION));
    return 0;
}

static int shyper_probe(struct platform_device *pdev)
{
    struct device *dev = &pdev->dev;
    struct shyper_dev *sd;
    int irq, err;

    err = check_abi(dev);
    if (err)
        return err;
    irq = platform_get_irq(pdev, 0);
    if (irq < 0)
        return dev_err_probe(dev, irq, "no notification interrupt in the device tree\n");
    sd = devm_kzalloc(dev, sizeof(*sd), GFP_KERNEL);
    if (!sd)
        return -ENOMEM;
    sd->dev = dev;
    shyper_mediated_init(sd);
    err = shyper_ioctl_init(sd);
    if (err)
        return err;
    err = shyper_notify_init(sd, irq);
    if (err)
        goto ioctl_exit;
    sd->misc = (struct miscdevice){
        .minor = MISC_DYNAMIC_MINOR,
        .name = KBUILD_MODNAME,
        .fops = &shyper_fops,
        .parent = dev,
        .mode = SHYPER_DEVICE_MODE,
    };
    err = misc_register(&sd->misc);
    if (err) {
        dev_err(dev, "cannot create " SHYPER_DEVICE ": %d\n", err);
        goto notify_exit;
    }
    platform_set_drvdata(pdev, sd);
    dev_info(dev, SHYPER_DEVICE " ready: ABI %u.%u, notification interrupt %d, %u slots\n",
             SHYPER_ABI_MAJOR(SHYPER_ABI_VERSION), SHYPER_ABI_MINOR(SHYPER_ABI_VERSION), irq,
             sd->nr_slots);
    return 0;

notify_exit:
    shyper_notify_exit(sd);
ioctl_exit:
    shyper_ioctl_exit(sd);
    return err;
}

static void shyper_remove(struct platform_device *pdev)
{
    struct shyper_dev *sd = platform_get_drvdata(pdev);

    /* No file is open: each holds a reference to the module. */
    misc_deregister(&sd->misc);
    shyper_notify_exit(sd);
    shyper_ioctl_exit(sd);
}

static const struct of_device_id shyper_of_match[] = {
    {.compatible = SHYPER_COMPATIBLE},
    {},
};
MODULE_DEVICE_TABLE(of, shyper_of_match);

static struct platform_driver shyper_driver = {
    .remove = shyper_remove,
    .driver =
        {
            .name = KBUILD_MODNAME,
            .of_match_table = shyper_of_match,
        },
};

static int __init shyper_init(void)
{
    struct device_node *np = of_find_compatible_node(NULL, NULL, SHYPER_COMPATIBLE);

    if (!np) {
        pr_err("not running under Shyper: no \"" SHYPER_COMPATIBLE "\" node in the device tree\n");
        return -ENODEV;
    }
    of_node_put(np);
    /* Fails (and so does the load) unless the node's device probes successfully. */
    return platform_driver_probe(&shyper_driver, shyper_probe);
}

static void __exit shyper_exit(void)
{
    platform_driver_unregister(&shyper_driver);
}

module_init(shyper_init);
module_exit(shyper_exit);

MODULE_DESCRIPTION("Shyper hypervisor management interface (/dev/shyper)");
MODULE_LICENSE("GPL");
